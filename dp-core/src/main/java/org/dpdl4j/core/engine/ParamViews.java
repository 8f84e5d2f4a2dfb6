package org.dpdl4j.core.engine;

import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Parameter and gradient views of one DL4J layer, by parameter key ("W", "b", "g"). The gradient views
 * are slices of the network's flattened gradient array, which the DL4J updater reads in place.
 */
final class ParamViews {

    private final Layer layer;
    private final Map<String, INDArray> params;
    private final Map<String, INDArray> gradients;
    final long numParams;

    /**
     * @param gradientView this layer's slice [1, numParams] of the flattened gradient the engine writes into
     *     (the network's own, or a replica's), or {@code null} for none
     */
    ParamViews(Layer layer, INDArray gradientView) {
        this.layer = layer;
        this.params = layer.paramTable();
        // The inner layer of a DL4J FrozenLayer has no gradient view (TransferLearning.setFeatureExtractor): it is
        // never trained, so it needs none.
        INDArray view = gradientView;
        this.gradients = view == null ? Map.of()
                : layer.conf().getLayer().initializer().getGradientsFromFlattened(layer.conf(), view);
        this.numParams = layer.numParams();
    }

    INDArray param(String key) {
        return params.get(key);
    }

    INDArray gradient(String key) {
        return gradients.get(key);
    }

    /**
     * Views, laid out as DL4J lays out this layer's gradient, into row {@code example} of a
     * [B, numParams(network)] matrix starting at column {@code offset}.
     */
    Map<String, INDArray> perExampleViews(INDArray out, long example, long offset) {
        INDArray row = out.get(org.nd4j.linalg.indexing.NDArrayIndex.point(example),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(offset, offset + numParams)).reshape(1, numParams);
        return layer.conf().getLayer().initializer().getGradientsFromFlattened(layer.conf(), row);
    }

    boolean has(String key) {
        return params.containsKey(key);
    }
}
