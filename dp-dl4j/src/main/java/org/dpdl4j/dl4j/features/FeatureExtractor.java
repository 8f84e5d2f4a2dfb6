package org.dpdl4j.dl4j.features;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.core.engine.PerExampleEngine;
import org.dpdl4j.core.engine.UnsupportedModelException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Runs a frozen network up to one layer (a {@link MultiLayerNetwork} layer index) or vertex (a
 * {@link ComputationGraph} vertex name) and returns that layer's activations as feature rows
 * [n, d], flattening convolutional activations; or runs a fixed non-network map
 * ({@link #of(FrozenFeatureMap)}, e.g. the wavelet scattering transform). Networks always run in
 * inference mode: dropout is off and BatchNorm uses its stored statistics, which are never updated.
 * Batched, with a progress line at most every two seconds.
 *
 * <p>Privacy assumption: the network's parameters must not depend on the private data (pretrained on
 * public data), or the features themselves leak it outside the accounting. Extraction is then a fixed
 * per-example map: one record's features depend on that record alone, which is what keeps the head's
 * per-example sensitivity argument valid. The extractor does not check where the weights came from.
 */
public final class FeatureExtractor {

    private final UnaryOperator<INDArray> forward;
    private final String description;
    private final String fingerprint;
    private final int batchSize;
    private final Consumer<String> progress;

    private FeatureExtractor(UnaryOperator<INDArray> forward, String description, String fingerprint, int batchSize,
                             Consumer<String> progress) {
        this.forward = forward;
        this.description = description;
        this.fingerprint = fingerprint;
        this.batchSize = batchSize;
        this.progress = progress;
    }

    /**
     * Features = activations of layer {@code layerIndex} of {@code net}.
     *
     * @throws IllegalArgumentException if the index is not a layer of the network
     */
    public static FeatureExtractor ofLayer(MultiLayerNetwork net, int layerIndex) {
        Objects.requireNonNull(net, "net");
        if (layerIndex < 0 || layerIndex >= net.getnLayers()) {
            throw new IllegalArgumentException("layer index " + layerIndex + " outside [0, " + net.getnLayers() + ")");
        }
        UnaryOperator<INDArray> f = x -> net.feedForwardToLayer(layerIndex, x, false).get(layerIndex + 1);
        return new FeatureExtractor(f, "layer " + layerIndex + " (" + net.getLayer(layerIndex).getClass().getSimpleName()
                + ")", checksum(net.params()) + "/layer" + layerIndex, 256, line -> { });
    }

    /**
     * As {@link #ofLayer}, with the forward pass run on dp-core's {@link PerExampleEngine}: ND4J's native
     * ops instead of DL4J's layer implementations, the same inference-mode activations up to float
     * rounding, and several times faster for convolutional networks on CPU. A network the engine cannot run
     * (e.g. a trainable BatchNorm, which it refuses) gets DL4J's own forward pass, as {@link #ofLayer}.
     * Not thread-safe: the engine reuses its buffers from batch to batch.
     *
     * @throws IllegalArgumentException if the index is not a layer of the network
     */
    public static FeatureExtractor ofLayerOnEngine(MultiLayerNetwork net, int layerIndex) {
        FeatureExtractor plain = ofLayer(net, layerIndex);
        PerExampleEngine engine;
        try {
            engine = PerExampleEngine.of(net);
        } catch (UnsupportedModelException e) {
            return plain;
        }
        if (engine.usesFallback()) {
            return plain;
        }
        return new FeatureExtractor(x -> engine.activations(x, layerIndex), plain.description + " on the engine",
                plain.fingerprint + "/engine", plain.batchSize, plain.progress);
    }

    /**
     * Features = activations of vertex {@code vertexName} of a single-input {@code graph}.
     *
     * @throws IllegalArgumentException if there is no such vertex or the graph has several inputs
     */
    public static FeatureExtractor ofVertex(ComputationGraph graph, String vertexName) {
        Objects.requireNonNull(graph, "graph");
        if (graph.getVertex(vertexName) == null) {
            throw new IllegalArgumentException("no vertex '" + vertexName + "' in the graph; vertices: "
                    + graph.getConfiguration().getVertices().keySet());
        }
        if (graph.getNumInputArrays() != 1) {
            throw new IllegalArgumentException("feature extraction supports single-input graphs, this one has "
                    + graph.getNumInputArrays());
        }
        UnaryOperator<INDArray> f = x -> graph.feedForward(x, false).get(vertexName);
        return new FeatureExtractor(f, "vertex '" + vertexName + "'", checksum(graph.params()) + "/vertex:" + vertexName,
                256, line -> { });
    }

    /**
     * Features = the output of a fixed, non-network feature map such as
     * {@link org.dpdl4j.dl4j.scattering.ScatteringTransform}. Batching, progress and caching work as for a
     * network; the cache key is the map's {@link FrozenFeatureMap#fingerprint()}.
     */
    public static FeatureExtractor of(FrozenFeatureMap map) {
        Objects.requireNonNull(map, "map");
        UnaryOperator<INDArray> f = map::apply;
        return new FeatureExtractor(f, map.description(), map.fingerprint(), 256, line -> { });
    }

    /** The same extractor with another batch size (rows per forward pass). */
    public FeatureExtractor withBatchSize(int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + rows);
        }
        return new FeatureExtractor(forward, description, fingerprint, rows, progress);
    }

    /** The same extractor reporting progress lines to {@code sink} (e.g. {@code System.err::println}). */
    public FeatureExtractor withProgress(Consumer<String> sink) {
        return new FeatureExtractor(forward, description, fingerprint, batchSize, Objects.requireNonNull(sink));
    }

    /** Which layer or vertex, for reports. */
    public String description() {
        return description;
    }

    /** Checksum of the network's parameters and the layer: part of a cache key. */
    public String fingerprint() {
        return fingerprint;
    }

    /** Features of one batch of inputs, [b, d], detached from any workspace. */
    public INDArray features(INDArray inputs) {
        INDArray a = forward.apply(inputs);
        if (a == null) {
            throw new IllegalStateException("the network produced no activation for " + description);
        }
        INDArray rows = a.rank() == 2 ? a : a.reshape('c', a.size(0), a.length() / a.size(0));
        return rows.dup('c');
    }

    /** Features of all rows of {@code inputs} [n, ...], batched, into one [n, d] matrix in memory. */
    public INDArray extract(INDArray inputs) {
        long n = inputs.size(0);
        Progress p = new Progress(n);
        INDArray out = null;
        for (long start = 0; start < n; start += batchSize) {
            long end = Math.min(n, start + batchSize);
            INDArray f = features(inputs.get(NDArrayIndex.interval(start, end)));
            if (out == null) {
                out = org.nd4j.linalg.factory.Nd4j.create(f.dataType(), n, f.size(1));
            }
            out.get(NDArrayIndex.interval(start, end), NDArrayIndex.all()).assign(f);
            p.advance(end);
        }
        p.done();
        return out;
    }

    /**
     * Features of {@code inputs} with their labels written to an on-disk cache, or the existing cache in
     * {@code dir} if it was made by the same network, layer and {@code inputKey}.
     *
     * @param inputKey names the input data (e.g. "fashion-mnist/train rows 6000..59999"): part of the key
     */
    public FeatureCache extractToCache(INDArray inputs, int[] labels, int classes, Path dir, String inputKey)
            throws IOException {
        String key = fingerprint + "|" + inputKey + "|" + inputs.size(0);
        FeatureCache existing = FeatureCache.openIfMatching(dir, key);
        if (existing != null) {
            progress.accept("features: reusing cache " + existing);
            return existing;
        }
        long n = inputs.size(0);
        Progress p = new Progress(n);
        FeatureCache.Writer w = null;
        for (long start = 0; start < n; start += batchSize) {
            long end = Math.min(n, start + batchSize);
            INDArray f = features(inputs.get(NDArrayIndex.interval(start, end)));
            if (w == null) {
                w = FeatureCache.create(dir, (int) f.size(1), classes, key, FeatureCache.DEFAULT_CHUNK_BYTES);
            }
            w.append(f, java.util.Arrays.copyOfRange(labels, (int) start, (int) end));
            p.advance(end);
        }
        p.done();
        if (w == null) {
            throw new IllegalArgumentException("no input rows");
        }
        return w.finish();
    }

    /**
     * As {@link #extractToCache(INDArray, int[], int, Path, String)} from a streaming iterator with one-hot
     * labels, so that neither inputs nor features need to fit in memory.
     */
    public FeatureCache extractToCache(DataSetIterator source, Path dir, String inputKey) throws IOException {
        String key = fingerprint + "|" + inputKey;
        FeatureCache existing = FeatureCache.openIfMatching(dir, key);
        if (existing != null) {
            progress.accept("features: reusing cache " + existing);
            return existing;
        }
        Progress p = new Progress(-1);
        FeatureCache.Writer w = null;
        long rows = 0;
        source.reset();
        while (source.hasNext()) {
            DataSet ds = source.next();
            INDArray f = features(ds.getFeatures());
            if (w == null) {
                w = FeatureCache.create(dir, (int) f.size(1), (int) ds.getLabels().size(1), key,
                        FeatureCache.DEFAULT_CHUNK_BYTES);
            }
            w.append(f, Inputs.classIndices(Inputs.checkOneHot(ds.getLabels(), f.size(0), (int) ds.getLabels().size(1))));
            rows += f.size(0);
            p.advance(rows);
        }
        p.done();
        if (w == null) {
            throw new IllegalArgumentException("the iterator produced no rows");
        }
        return w.finish();
    }

    private static String checksum(INDArray params) {
        CRC32 crc = new CRC32();
        if (params != null && params.length() > 0) {
            double[] v = params.castTo(DataType.DOUBLE).data().asDouble();
            ByteBuffer b = ByteBuffer.allocate(v.length * Double.BYTES);
            b.asDoubleBuffer().put(v);
            crc.update(b.array());
        }
        return String.format(Locale.ROOT, "params-crc32-%08x-%d", crc.getValue(), params == null ? 0 : params.length());
    }

    private final class Progress {
        private final long total;
        private final long start = System.nanoTime();
        private long lastReport = start;
        private long rows;

        Progress(long total) {
            this.total = total;
        }

        void advance(long rowsDone) {
            rows = rowsDone;
            long now = System.nanoTime();
            if (now - lastReport > 2_000_000_000L) {
                lastReport = now;
                progress.accept(line());
            }
        }

        void done() {
            progress.accept(line() + " done");
        }

        private String line() {
            double s = (System.nanoTime() - start) / 1e9;
            String of = total >= 0 ? String.format(Locale.ROOT, "/%d (%.0f%%)", total, 100.0 * rows / Math.max(1, total)) : "";
            return String.format(Locale.ROOT, "features %s: %d%s rows, %.0f rows/s", description, rows, of,
                    rows / Math.max(s, 1e-9));
        }
    }
}
