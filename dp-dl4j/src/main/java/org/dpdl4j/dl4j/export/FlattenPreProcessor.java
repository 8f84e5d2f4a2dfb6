package org.dpdl4j.dl4j.export;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J input preprocessor that flattens activations [n, ...] to rows [n, d] in c order, exactly as
 * {@link org.dpdl4j.dl4j.features.FeatureExtractor} flattens them (for a convolutional feature layer in
 * NCHW this is DL4J's own {@code CnnToFeedForwardPreProcessor} layout); rank-2 input passes unchanged.
 * It sits in front of the first layer an export appends after the feature layer, so that any feature
 * layer the extractor accepts can be exported. Serialised in the network's JSON by class name.
 *
 * <p>Privacy assumption: none (a fixed per-example map).
 */
public class FlattenPreProcessor implements InputPreProcessor {

    private static final long serialVersionUID = 1L;

    @Override
    public INDArray preProcess(INDArray input, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
        if (input.rank() == 2) {
            return input;
        }
        INDArray c = input.ordering() == 'c' ? input : workspaceMgr.dup(ArrayType.ACTIVATIONS, input, 'c');
        return c.reshape('c', c.size(0), c.length() / c.size(0));
    }

    @Override
    public INDArray backprop(INDArray output, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
        throw new UnsupportedOperationException("the exported private model is for inference; flattening has no "
                + "backward pass here (fine-tuning would also need its own privacy accounting)");
    }

    @Override
    public InputPreProcessor clone() {
        return new FlattenPreProcessor();
    }

    @Override
    public InputType getOutputType(InputType inputType) {
        return switch (inputType.getType()) {
            case FF -> inputType;
            case CNN -> {
                InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
                yield InputType.feedForward(c.getChannels() * c.getHeight() * c.getWidth());
            }
            case CNNFlat -> InputType.feedForward(((InputType.InputTypeConvolutionalFlat) inputType).getFlattenedSize());
            default -> InputType.feedForward(inputType.arrayElementsPerExample());
        };
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
                                                         int minibatchSize) {
        return new Pair<>(maskArray, currentMaskState);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FlattenPreProcessor;
    }

    @Override
    public int hashCode() {
        return FlattenPreProcessor.class.hashCode();
    }
}
