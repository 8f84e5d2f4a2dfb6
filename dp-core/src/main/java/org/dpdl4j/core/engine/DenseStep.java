package org.dpdl4j.core.engine;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LayerNormBp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.Standardize;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * Fully connected layer (DenseLayer, and the parameterised part of OutputLayer), optionally with
 * LayerNorm. The per-example weight gradient is the outer product a_i ⊗ δ_i, so its squared norm is
 * ‖a_i‖²·‖δ_i‖² and the clipped sum is aᵀ·diag(c)·δ — no per-example matrices are materialised.
 * Per-batch arrays (pre-activation, output, δ, input gradient) live in buffers reused across batches.
 *
 * <p>Privacy assumption: rows of the batch are processed independently (LayerNorm normalises within
 * one example, so it keeps this property).
 */
class DenseStep implements LayerStep {

    final int index;
    final ParamViews views;
    final IActivation activation;
    final ActivationOps activationOps;
    final boolean trainable;
    final boolean hasBias;
    final boolean layerNorm;
    final DropoutHelper dropout;
    final Buffers buffers = new Buffers();
    private final Scratch zBuf = buffers.slot();
    private final Scratch outBuf = buffers.slot();
    private final Scratch deltaBuf = buffers.slot();
    private final Scratch epsBuf = buffers.slot();
    private final Scratch scaledBuf = buffers.slot();

    INDArray input;        // a: layer input after dropout
    INDArray preNorm;      // a·W (before LayerNorm), when layerNorm
    INDArray normalized;   // standardized preNorm, when layerNorm
    INDArray preOutput;    // z
    INDArray output;       // f(z)
    INDArray delta;        // dL/dz
    INDArray deltaPre;     // dL/d(a·W): equals delta without LayerNorm

    @Override
    public long forwardMacsPerExample() {
        return views.param("W").length();
    }

    DenseStep(int index, Layer layer, boolean trainable, INDArray gradientView) {
        this.index = index;
        this.views = new ParamViews(layer, gradientView);
        BaseLayer conf = (BaseLayer) layer.conf().getLayer();
        this.activation = conf.getActivationFn();
        this.activationOps = new ActivationOps(activation);
        this.trainable = trainable;
        this.hasBias = views.has("b");
        this.layerNorm = views.has("g");
        this.dropout = new DropoutHelper(conf.getIDropout(), trainable);
    }

    @Override
    public int layerIndex() {
        return index;
    }

    @Override
    public boolean trainable() {
        return trainable;
    }

    @Override
    public Buffers buffers() {
        return buffers;
    }

    INDArray preOutput(INDArray in, boolean training) {
        input = dropout.apply(in, training);
        INDArray w = views.param("W");
        INDArray z = zBuf.get(input.dataType(), input.size(0), w.size(1));
        Nd4j.gemm(input, w, z, false, false, 1.0, 0.0);
        if (layerNorm) {
            preNorm = z;
            normalized = Nd4j.exec(new Standardize(preNorm, preNorm.ulike(), 1))[0];
            z = normalized.mulRowVector(views.param("g"));
        }
        if (hasBias) {
            INDArray b = views.param("b");
            Nd4j.exec(new BroadcastAddOp(z, b.reshape(b.length()), z, 1));
        }
        preOutput = z;
        return z;
    }

    @Override
    public INDArray forward(INDArray in, boolean training) {
        INDArray z = preOutput(in, training);
        output = activationOps.forward(z, outBuf.get(z.dataType(), z.shape()), training);
        return output;
    }

    @Override
    public INDArray backward(INDArray epsilon, boolean needInputGradient) {
        // z is not needed after this: the activation's backprop may overwrite it
        INDArray d = activationOps.backward(preOutput, output, epsilon, deltaBuf.get(preOutput.dataType(), preOutput.shape()));
        return backwardFromDelta(d, needInputGradient);
    }

    /** Backward from dL/dz (used directly by output layers, whose loss gives δ). */
    INDArray backwardFromDelta(INDArray d, boolean needInputGradient) {
        delta = d;
        if (layerNorm) {
            deltaPre = d.ulike();
            INDArray dldgSummed = views.param("g").ulike();
            Nd4j.exec(new LayerNormBp(preNorm, views.param("g"), d, deltaPre, dldgSummed, true, 1));
        } else {
            deltaPre = d;
        }
        if (!needInputGradient) {
            return null;
        }
        INDArray w = views.param("W");
        INDArray epsIn = epsBuf.get(deltaPre.dataType(), deltaPre.size(0), w.size(0));
        Nd4j.gemm(deltaPre, w, epsIn, false, true, 1.0, 0.0);
        return dropout.backprop(epsIn);
    }

    @Override
    public void addSquaredNorms(INDArray acc) {
        INDArray sqA = StepMath.rowSquaredNorms(input);
        INDArray sqD = StepMath.rowSquaredNorms(deltaPre);
        acc.addi(sqA.muli(sqD));
        if (hasBias) {
            acc.addi(layerNorm ? StepMath.rowSquaredNorms(delta) : sqD);
        }
        if (layerNorm) {
            INDArray gi = delta.mul(normalized);
            acc.addi(gi.muli(gi).sum(1));
        }
    }

    @Override
    public void writeClippedSum(INDArray factors) {
        DataType t = deltaPre.dataType();
        INDArray c = factors.castTo(t).reshape(factors.length());
        INDArray dPreC = scaledBuf.get(t, deltaPre.shape());
        Nd4j.exec(new BroadcastMulOp(deltaPre, c, dPreC, 0));
        Nd4j.gemm(input, dPreC, views.gradient("W"), true, false, 1.0, 0.0);
        if (hasBias) {
            // Σ_i c_i δ_i as the product [1, B]·[B, nOut]
            INDArray gradB = views.gradient("b");
            INDArray target = StepMath.rowView(gradB);
            Nd4j.gemm(c.reshape(1, c.length()), delta, target, false, false, 1.0, 0.0);
            StepMath.storeIfCopy(target, gradB);
        }
        if (layerNorm) {
            INDArray gC = delta.mul(normalized).muliColumnVector(factors);
            views.gradient("g").assign(gC.sum(0).reshape(views.gradient("g").shape()));
        }
    }

    @Override
    public void writePerExampleGradients(INDArray out, long offset) {
        long b = input.size(0);
        for (long i = 0; i < b; i++) {
            java.util.Map<String, INDArray> target = views.perExampleViews(out, i, offset);
            INDArray ai = input.getRow(i, true);
            target.get("W").assign(ai.transpose().mmul(deltaPre.getRow(i, true)));
            if (hasBias) {
                target.get("b").assign(delta.getRow(i, true));
            }
            if (layerNorm) {
                target.get("g").assign(delta.getRow(i, true).mul(normalized.getRow(i, true)));
            }
        }
    }

    @Override
    public void clear() {
        input = preNorm = normalized = preOutput = output = delta = deltaPre = null;
    }

    static boolean hasRegularization(BaseLayer conf) {
        java.util.List<Regularization> r1 = conf.getRegularization();
        java.util.List<Regularization> r2 = conf.getRegularizationBias();
        return (r1 != null && !r1.isEmpty()) || (r2 != null && !r2.isEmpty());
    }
}
