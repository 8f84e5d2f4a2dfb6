package org.dpdl4j.dl4j.finetune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Which layers of a {@link MultiLayerNetwork} a phase trains: by layer index, by layer name, by block (a
 * contiguous range of indices), by position ({@link #firstBlock()}, {@link #middleBlock()},
 * {@link #lastLayer()}), or a union of these. Immutable; resolved against a network with
 * {@link #resolve(MultiLayerNetwork)}, which keeps only layers that have parameters.
 *
 * <p>Automatic blocks: the parameter layers below the output layer, each with the parameter-free layers
 * (pooling, activation, dropout) that follow it, form one block each; the output layer is its own last
 * block. For the Tramèr &amp; Boneh CNN (conv, pool, conv, pool, dense, output) the blocks are
 * [0–1], [2–3], [4] and [5]: the first block is the first convolution, the middle block the second one.
 *
 * <p>Privacy assumption: the selection is chosen without looking at the private data (or from public
 * data, or from already-released DP quantities); choosing it by trying several on the private data is a
 * cost this object does not account.
 */
public final class LayerSelection {

    private enum Kind { ALL, INDICES, NAMES, BLOCK, FIRST_BLOCK, MIDDLE_BLOCK, LAST_LAYER, UNION }

    private final Kind kind;
    private final int[] indices;
    private final List<String> names;
    private final List<LayerSelection> parts;

    private LayerSelection(Kind kind, int[] indices, List<String> names, List<LayerSelection> parts) {
        this.kind = kind;
        this.indices = indices;
        this.names = names;
        this.parts = parts;
    }

    /** Every layer with parameters (full fine-tuning), except layers already frozen with DL4J's own wrappers. */
    public static LayerSelection all() {
        return new LayerSelection(Kind.ALL, new int[0], List.of(), List.of());
    }

    /** The layers with these indices (0-based, as in {@code net.getLayer(i)}). */
    public static LayerSelection indices(int... layerIndices) {
        Objects.requireNonNull(layerIndices, "layer indices");
        if (layerIndices.length == 0) {
            throw new IllegalArgumentException("name at least one layer index");
        }
        for (int i : layerIndices) {
            if (i < 0) {
                throw new IllegalArgumentException("layer indices are >= 0, got " + i);
            }
        }
        return new LayerSelection(Kind.INDICES, layerIndices.clone(), List.of(), List.of());
    }

    /** The layers with these names (DL4J's {@code layerName}; unnamed layers are called by their index, "0", "1", ...). */
    public static LayerSelection names(String... layerNames) {
        Objects.requireNonNull(layerNames, "layer names");
        if (layerNames.length == 0) {
            throw new IllegalArgumentException("name at least one layer");
        }
        for (String n : layerNames) {
            if (n == null || n.isBlank()) {
                throw new IllegalArgumentException("layer names must be non-blank");
            }
        }
        return new LayerSelection(Kind.NAMES, new int[0], List.of(layerNames), List.of());
    }

    /** The contiguous block of layers {@code from..toInclusive}. */
    public static LayerSelection block(int from, int toInclusive) {
        if (from < 0 || toInclusive < from) {
            throw new IllegalArgumentException("a block is from..to with 0 <= from <= to, got " + from + ".." + toInclusive);
        }
        return new LayerSelection(Kind.BLOCK, new int[] {from, toInclusive}, List.of(), List.of());
    }

    /** The first automatic block (the layer nearest the input with its pooling/activation layers). */
    public static LayerSelection firstBlock() {
        return new LayerSelection(Kind.FIRST_BLOCK, new int[0], List.of(), List.of());
    }

    /**
     * The middle automatic block below the output layer: for b such blocks, block number ⌊b/2⌋ (0-based), so
     * the second of 3, and with an even count the upper of the two central ones (the second of 2).
     */
    public static LayerSelection middleBlock() {
        return new LayerSelection(Kind.MIDDLE_BLOCK, new int[0], List.of(), List.of());
    }

    /** The output layer. */
    public static LayerSelection lastLayer() {
        return new LayerSelection(Kind.LAST_LAYER, new int[0], List.of(), List.of());
    }

    /** Layers selected by any of the parts. */
    public static LayerSelection union(LayerSelection... selections) {
        Objects.requireNonNull(selections, "selections");
        if (selections.length == 0) {
            throw new IllegalArgumentException("a union needs at least one selection");
        }
        for (LayerSelection s : selections) {
            Objects.requireNonNull(s, "selection");
        }
        return new LayerSelection(Kind.UNION, new int[0], List.of(), List.of(selections));
    }

    /** This selection together with another one. */
    public LayerSelection and(LayerSelection other) {
        return union(this, other);
    }

    /**
     * The indices of the selected layers that have parameters, ascending.
     *
     * @throws IllegalArgumentException for an index or name the network does not have, or a selection
     *     with no parameter layer in it (saying which layers exist)
     */
    public SortedSet<Integer> resolve(MultiLayerNetwork net) {
        Objects.requireNonNull(net, "network");
        SortedSet<Integer> raw = new TreeSet<>();
        collect(net, raw);
        SortedSet<Integer> withParams = new TreeSet<>();
        for (int i : raw) {
            if (net.getLayer(i).numParams() > 0) {
                withParams.add(i);
            }
        }
        if (withParams.isEmpty()) {
            throw new IllegalArgumentException("the selection " + this + " contains no layer with parameters; layers: "
                    + describeLayers(net));
        }
        return Collections.unmodifiableSortedSet(withParams);
    }

    private void collect(MultiLayerNetwork net, SortedSet<Integer> out) {
        int n = net.getnLayers();
        switch (kind) {
            case ALL -> {
                for (int i = 0; i < n; i++) {
                    if (!dl4jFrozen(net.getLayer(i))) {
                        out.add(i);
                    }
                }
            }
            case INDICES -> {
                for (int i : indices) {
                    checkIndex(net, i);
                    out.add(i);
                }
            }
            case BLOCK -> {
                checkIndex(net, indices[1]);
                for (int i = indices[0]; i <= indices[1]; i++) {
                    out.add(i);
                }
            }
            case NAMES -> {
                for (String name : names) {
                    out.add(indexOf(net, name));
                }
            }
            case FIRST_BLOCK -> out.addAll(blocks(net).get(0));
            case MIDDLE_BLOCK -> {
                List<List<Integer>> b = blocks(net);
                List<List<Integer>> below = b.size() > 1 ? b.subList(0, b.size() - 1) : b;
                out.addAll(below.get(below.size() / 2));
            }
            case LAST_LAYER -> out.add(n - 1);
            case UNION -> {
                for (LayerSelection p : parts) {
                    p.collect(net, out);
                }
            }
            default -> throw new IllegalStateException(kind.toString());
        }
    }

    /**
     * The automatic blocks of a network (see the class comment): lists of layer indices in order, the
     * last one being the output layer.
     */
    public static List<List<Integer>> blocks(MultiLayerNetwork net) {
        int n = net.getnLayers();
        List<List<Integer>> blocks = new ArrayList<>();
        List<Integer> current = null;
        for (int i = 0; i < n - 1; i++) {
            if (net.getLayer(i).numParams() > 0 || current == null) {
                current = new ArrayList<>();
                blocks.add(current);
            }
            current.add(i);
        }
        blocks.add(new ArrayList<>(List.of(n - 1)));
        List<List<Integer>> frozen = new ArrayList<>();
        for (List<Integer> b : blocks) {
            frozen.add(List.copyOf(b));
        }
        return List.copyOf(frozen);
    }

    /** A layer wrapped in DL4J's own FrozenLayer / FrozenLayerWithBackprop: never trained. */
    static boolean dl4jFrozen(Layer layer) {
        return layer instanceof org.deeplearning4j.nn.layers.FrozenLayer
                || layer instanceof org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
    }

    private static void checkIndex(MultiLayerNetwork net, int i) {
        if (i >= net.getnLayers()) {
            throw new IllegalArgumentException("layer index " + i + " is out of range: the network has layers 0.."
                    + (net.getnLayers() - 1) + " (" + describeLayers(net) + ")");
        }
    }

    private static int indexOf(MultiLayerNetwork net, String name) {
        for (int i = 0; i < net.getnLayers(); i++) {
            if (name.equals(layerName(net, i))) {
                return i;
            }
        }
        throw new IllegalArgumentException("no layer named '" + name + "'; layers: " + describeLayers(net));
    }

    /** DL4J's name of layer i ("0", "1", ... for unnamed layers). */
    static String layerName(MultiLayerNetwork net, int i) {
        String name = net.getLayer(i).conf().getLayer().getLayerName();
        return name == null ? Integer.toString(i) : name;
    }

    /** "0:conv(W,b) 1:pool ..." for error messages. */
    static String describeLayers(MultiLayerNetwork net) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < net.getnLayers(); i++) {
            Layer l = net.getLayer(i);
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(i).append(" '").append(layerName(net, i)).append("' ")
                    .append(l.conf().getLayer().getClass().getSimpleName())
                    .append(l.numParams() > 0 ? " (" + l.numParams() + " params)" : " (no params)");
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ALL -> "all layers";
            case INDICES -> "layers " + Arrays.toString(indices);
            case NAMES -> "layers named " + names;
            case BLOCK -> "block " + indices[0] + ".." + indices[1];
            case FIRST_BLOCK -> "first block";
            case MIDDLE_BLOCK -> "middle block";
            case LAST_LAYER -> "last layer";
            case UNION -> "union of " + parts;
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerSelection s && s.kind == kind && Arrays.equals(s.indices, indices)
                && s.names.equals(names) && s.parts.equals(parts);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, Arrays.hashCode(indices), names, parts);
    }
}
