package org.dpdl4j.core.training;

import java.util.Arrays;
import java.util.Locale;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * Checks the training data against the network before anything is recorded or computed, so that bad
 * input is refused with a message saying what to change instead of failing inside a step (after that
 * step's ledger record was written) or, worse, training silently on nonsense.
 *
 * <p>Checked: features and labels present, N ≥ 1, no masks; the feature shape the first layer expects
 * (dense layers: [N, nIn]; convolution layers: rank 4 with nIn channels; a flat-to-CNN preprocessor:
 * [N, h·w·c]); the label columns the output layer produces; and label values the output layer's loss
 * can take (softmax cross-entropy: rows of non-negative entries summing to 1, i.e. one-hot or soft
 * labels; binary cross-entropy: entries in [0, 1]). NaN and infinite values are refused by
 * {@link org.dpdl4j.core.sampling.InMemoryDataset}, which runs before the label-value check.
 *
 * <p>Privacy assumption: none of these checks releases anything; a refusal names a row index, which is
 * for the data owner, not for publication.
 */
final class TrainingInputs {

    /** Row sums of probability labels may differ from 1 by float rounding; one-hot rows are exact. */
    private static final double SUM_TOLERANCE = 1e-3;

    private TrainingInputs() {
    }

    /** Shapes and presence: runs before the dataset is built. */
    static void checkShapes(MultiLayerNetwork net, DataSet data) {
        if (data == null || data.getFeatures() == null || data.getLabels() == null) {
            throw new IllegalArgumentException("training data needs features and labels");
        }
        if (data.getFeatures().rank() == 0 || data.getFeatures().size(0) == 0) {
            throw new IllegalArgumentException("training data is empty: DP training needs at least one record");
        }
        if (data.getFeaturesMaskArray() != null || data.getLabelsMaskArray() != null) {
            throw new IllegalArgumentException("masked (variable-length) data is not supported by DP training yet; remove the masks");
        }
        checkFeatureShape(net, data.getFeatures());
        long nOut = net.getLayer(net.getnLayers() - 1).getParam("W") != null
                ? net.getLayer(net.getnLayers() - 1).getParam("W").size(1) : -1;
        INDArray labels = data.getLabels();
        if (nOut > 0 && (labels.rank() != 2 || labels.size(1) != nOut)) {
            throw new IllegalArgumentException("labels have shape " + Arrays.toString(labels.shape())
                    + " but the output layer has " + nOut + " units; give labels of shape [N, " + nOut
                    + "], e.g. one-hot encode class indices 0.." + (nOut - 1));
        }
    }

    private static void checkFeatureShape(MultiLayerNetwork net, INDArray x) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        Layer first = unwrap(conf.getConf(0).getLayer());
        InputPreProcessor pre = conf.getInputPreProcess(0);
        String shape = Arrays.toString(x.shape());
        if (pre instanceof FeedForwardToCnnPreProcessor p && x.rank() == 2) {
            long expected = p.getInputHeight() * p.getInputWidth() * p.getNumChannels();
            if (expected > 0 && x.size(1) != expected) {
                throw new IllegalArgumentException("features have shape " + shape + " but the network's input "
                        + "preprocessor reshapes each row to " + p.getNumChannels() + "x" + p.getInputHeight() + "x"
                        + p.getInputWidth() + " = " + expected + " values; give features of shape [N, " + expected + "]");
            }
            return;
        }
        if (pre != null) {
            return;
        }
        if (first instanceof ConvolutionLayer c && !(first instanceof Convolution1DLayer)) {
            if (x.rank() != 4) {
                throw new IllegalArgumentException("features have shape " + shape + " but the first layer ("
                        + first.getClass().getSimpleName() + ") takes images of rank 4 ("
                        + c.getCnn2dDataFormat() + "); reshape the features, or set the network's input type "
                        + "(setInputType(InputType.convolutionalFlat(h, w, c))) to train on flat rows");
            }
            long channels = c.getCnn2dDataFormat() == CNN2DFormat.NHWC ? x.size(3) : x.size(1);
            if (c.getNIn() > 0 && channels != c.getNIn()) {
                throw new IllegalArgumentException("features have shape " + shape + " (" + channels + " channels in "
                        + c.getCnn2dDataFormat() + ") but the first layer expects nIn=" + c.getNIn() + " channels");
            }
            return;
        }
        if (first instanceof DenseLayer || first instanceof BaseOutputLayer) {
            long nIn = ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) first).getNIn();
            if (x.rank() != 2 || (nIn > 0 && x.size(1) != nIn)) {
                throw new IllegalArgumentException("features have shape " + shape + " but the first layer ("
                        + first.getClass().getSimpleName() + ") expects nIn=" + nIn + " inputs; give features of "
                        + "shape [N, " + nIn + "]");
            }
        }
    }

    /**
     * Label values against the output layer's loss. Call after the dataset refused NaN and infinite
     * values.
     */
    static void checkLabelValues(MultiLayerNetwork net, INDArray labels) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        Layer last = unwrap(conf.getConf(conf.getConfs().size() - 1).getLayer());
        ILossFunction loss = last instanceof BaseOutputLayer o ? o.getLossFn() : last instanceof LossLayer l ? l.getLossFn() : null;
        if (labels.rank() != 2 || labels.size(0) == 0 || !labels.dataType().isFPType() && !labels.dataType().isIntType()) {
            return;
        }
        INDArray y = labels.castTo(DataType.DOUBLE);
        if (loss instanceof LossMCXENT) {
            // Also covers LossNegativeLogLikelihood (a subclass).
            double[] mins = y.min(1).toDoubleVector();
            double[] sums = y.sum(1).toDoubleVector();
            for (int i = 0; i < sums.length; i++) {
                if (mins[i] < 0 || Math.abs(sums[i] - 1) > SUM_TOLERANCE) {
                    throw new IllegalArgumentException(String.format(Locale.ROOT, "labels row %d is %s, which is not "
                            + "one-hot: the output layer's %s loss needs rows of entries >= 0 that sum to 1 (this one "
                            + "sums to %s); one-hot encode class indices 0..%d, one 1 per row", i,
                            Arrays.toString(labels.getRow(i).toDoubleVector()), loss.name(), sums[i], labels.size(1) - 1));
                }
            }
        } else if (loss instanceof LossBinaryXENT) {
            double[] mins = y.min(1).toDoubleVector();
            double[] maxs = y.max(1).toDoubleVector();
            for (int i = 0; i < mins.length; i++) {
                if (mins[i] < 0 || maxs[i] > 1) {
                    throw new IllegalArgumentException("labels row " + i + " is "
                            + Arrays.toString(labels.getRow(i).toDoubleVector()) + ", outside [0, 1]: the output layer's "
                            + "binary cross-entropy loss needs every label in [0, 1]; encode each output as 0 or 1");
                }
            }
        }
    }

    private static Layer unwrap(Layer layer) {
        Layer l = layer;
        while (true) {
            if (l instanceof FrozenLayer f) {
                l = f.getLayer();
            } else if (l instanceof FrozenLayerWithBackprop f) {
                l = f.getUnderlying();
            } else {
                return l;
            }
        }
    }
}
