package org.dpdl4j.dl4j.finetune;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Where each parameter tensor (a layer's "W", "b", ...) of a {@link MultiLayerNetwork} lies in its flat
 * parameter vector, which is also the layout of its flat gradient. Found from the layers' own parameter
 * views, so it follows whatever order DL4J uses inside a layer (convolutions store the bias first).
 *
 * <p>Privacy assumption: none; it describes the network's layout, which is public.
 */
public final class ParameterTensors {

    /** One tensor: layer index, DL4J parameter key, offset and length in the flat vector. */
    public record Tensor(int layer, String key, long offset, long length) {
        /** "2/W". */
        public String name() {
            return layer + "/" + key;
        }
    }

    private final List<Tensor> tensors;
    private final long total;

    private ParameterTensors(List<Tensor> tensors, long total) {
        this.tensors = List.copyOf(tensors);
        this.total = total;
    }

    /** The tensors of the given layers, in layer order then DL4J's order within a layer. */
    public static ParameterTensors of(MultiLayerNetwork net, Collection<Integer> layers) {
        Objects.requireNonNull(net, "network");
        INDArray flat = net.params();
        List<Tensor> out = new ArrayList<>();
        for (int i : new TreeSet<>(layers)) {
            Layer layer = net.getLayer(i);
            for (Map.Entry<String, INDArray> e : layer.paramTable().entrySet()) {
                INDArray view = e.getValue();
                long offset = view.offset() - flat.offset();
                if (offset < 0 || offset + view.length() > flat.length()) {
                    throw new IllegalStateException("parameter " + i + "/" + e.getKey() + " is not a view of the network's "
                            + "flat parameters; call net.init() before fine-tuning");
                }
                out.add(new Tensor(i, e.getKey(), offset, view.length()));
            }
        }
        out.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        return new ParameterTensors(out, flat.length());
    }

    /** The tensors of every layer. */
    public static ParameterTensors all(MultiLayerNetwork net) {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < net.getnLayers(); i++) {
            all.add(i);
        }
        return of(net, all);
    }

    public List<Tensor> tensors() {
        return tensors;
    }

    /** Length of the whole flat vector these offsets refer to. */
    public long flatLength() {
        return total;
    }

    /** The view of one tensor inside a flat [1, n] (or [n]) vector with this layout. */
    public static INDArray slice(INDArray flat, Tensor t) {
        INDArray row = flat.rank() == 2 ? flat.reshape(flat.length()) : flat;
        return row.get(NDArrayIndex.interval(t.offset(), t.offset() + t.length()));
    }

    /** Σ x² of one tensor's slice, in double. */
    public static double squaredNorm(INDArray flat, Tensor t) {
        INDArray s = slice(flat, t);
        double n = s.norm2Number().doubleValue();
        return n * n;
    }
}
