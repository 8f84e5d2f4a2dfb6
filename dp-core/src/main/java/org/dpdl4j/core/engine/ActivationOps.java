package org.dpdl4j.core.engine;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A layer's activation function applied into reusable buffers. For tanh and sigmoid the derivative is
 * taken from the stored output a (tanh: 1 − a², as DL4J's TanhDerivative computes it from tanh(z);
 * sigmoid: a·(1 − a)), three cheap element-wise passes instead of recomputing the transcendental
 * function; identity passes ε through. Any other {@link IActivation} runs as DL4J runs it.
 */
final class ActivationOps {

    private enum Kind { TANH, SIGMOID, IDENTITY, GENERIC }

    private final IActivation fn;
    private final Kind kind;

    ActivationOps(IActivation fn) {
        this.fn = fn;
        if (fn.getClass() == ActivationTanH.class) {
            kind = Kind.TANH;
        } else if (fn.getClass() == ActivationSigmoid.class) {
            kind = Kind.SIGMOID;
        } else if (fn.getClass() == ActivationIdentity.class) {
            kind = Kind.IDENTITY;
        } else {
            kind = Kind.GENERIC;
        }
    }

    IActivation function() {
        return fn;
    }

    /**
     * a = f(z), written into {@code out} (or z itself for the identity); z is left unchanged. Returns a,
     * which may be another array for activations that do not work in place.
     */
    INDArray forward(INDArray z, INDArray out, boolean training) {
        return switch (kind) {
            case TANH -> Nd4j.exec(new Tanh(z, out));
            case SIGMOID -> Nd4j.exec(new Sigmoid(z, out));
            case IDENTITY -> z;
            case GENERIC -> fn.getActivation(out.assign(z), training);
        };
    }

    /**
     * δ = dL/dz from ε = dL/da. May overwrite z (callers no longer need it) and writes into {@code buf}
     * (same shape as z); a is the array {@link #forward} returned.
     */
    INDArray backward(INDArray z, INDArray a, INDArray epsilon, INDArray buf) {
        switch (kind) {
            case TANH -> {
                Nd4j.exec(new MulOp(a, a, buf));
                buf.rsubi(1.0);
                return buf.muli(epsilon);
            }
            case SIGMOID -> {
                a.rsub(1.0, buf);
                buf.muli(a);
                return buf.muli(epsilon);
            }
            case IDENTITY -> {
                return epsilon;
            }
            default -> {
                return fn.backprop(z, epsilon).getFirst();
            }
        }
    }
}
