package org.dpdl4j.dl4j.export;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * DL4J input preprocessor that scales every row [n, d] to L2 norm {@code radius}: the exported form of
 * {@link org.dpdl4j.dl4j.postprocess.L2Normalize}. Serialised in the network's JSON configuration by
 * class name, so the class must be on the classpath when the model is loaded.
 *
 * <p>Privacy assumption: none (a fixed per-example map).
 */
public class L2NormalizePreProcessor implements InputPreProcessor {

    private static final long serialVersionUID = 1L;
    private static final double TINY = 1e-12;

    private double radius = 1.0;

    /** For JSON deserialisation. */
    public L2NormalizePreProcessor() {
    }

    public L2NormalizePreProcessor(double radius) {
        if (!(radius > 0) || Double.isInfinite(radius)) {
            throw new IllegalArgumentException("radius must be finite and > 0, got " + radius);
        }
        this.radius = radius;
    }

    public double getRadius() {
        return radius;
    }

    public void setRadius(double radius) {
        this.radius = radius;
    }

    @Override
    public INDArray preProcess(INDArray input, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
        INDArray norms = Transforms.max(input.norm2(true, 1), TINY, true);
        INDArray out = workspaceMgr.dup(ArrayType.ACTIVATIONS, input);
        return out.muliColumnVector(norms.rdivi(radius));
    }

    @Override
    public INDArray backprop(INDArray output, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
        throw new UnsupportedOperationException("the exported private model is for inference; L2 normalisation has "
                + "no backward pass here (fine-tuning would also need its own privacy accounting)");
    }

    @Override
    public InputPreProcessor clone() {
        return new L2NormalizePreProcessor(radius);
    }

    @Override
    public InputType getOutputType(InputType inputType) {
        return inputType;
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
                                                         int minibatchSize) {
        return new Pair<>(maskArray, currentMaskState);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof L2NormalizePreProcessor p && p.radius == radius;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(radius);
    }
}
