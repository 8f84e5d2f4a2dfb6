package org.dpdl4j.spark;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.dpdl4j.dl4j.features.FeatureExtractor;
import org.dpdl4j.dl4j.postprocess.FeaturePipeline;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs a frozen DL4J backbone over inputs spread over a cluster: the network is serialised once and
 * broadcast, every task restores it once and runs dp-dl4j's {@link FeatureExtractor} over its partition
 * in batches (on dp-core's engine where the network allows, as on one machine), and an optional
 * post-processing pipeline (normalisation, PCA fitted on public data) is applied to the same batches.
 * The result is lazy; cache it ({@link SparkFeatures#persist}) or write it to Parquet.
 *
 * <p>Privacy assumption: the backbone's parameters and the pipeline do not depend on the private data
 * (pretrained and fitted on public data, or charged to the head's ledger); extraction is then a fixed
 * per-example map, so one record's features depend on that record alone and the head's sensitivity
 * argument holds on them. Nothing here checks where the weights came from.
 */
public final class SparkFeatureExtraction {

    private SparkFeatureExtraction() {
    }

    /**
     * Features = activations of layer {@code layer} of {@code net} on every input row.
     *
     * @param inputs rows of flattened inputs (e.g. 784 pixels per image), with their labels
     * @param batchSize rows per forward pass within a task
     */
    public static SparkFeatures extract(SparkFeatures inputs, MultiLayerNetwork net, int layer, int batchSize) {
        return extract(inputs, net, layer, FeaturePipeline.identity(), batchSize);
    }

    /** As {@link #extract(SparkFeatures, MultiLayerNetwork, int, int)}, then {@code pipeline} on each batch. */
    public static SparkFeatures extract(SparkFeatures inputs, MultiLayerNetwork net, int layer,
                                        FeaturePipeline pipeline, int batchSize) {
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(pipeline, "pipeline");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        // The layer index is checked, and the feature dimension learnt, on the driver before any task runs.
        FeatureExtractor local = FeatureExtractor.ofLayer(net, layer);
        int rawDimension = (int) local.features(Nd4j.zeros(net.params().dataType(), 1, inputs.dimension())).size(1);
        int dimension = pipeline.outputDimension(rawDimension);
        DataType netType = net.params().dataType();
        DataType type = netType == DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(inputs.blocks().context());
        Broadcast<byte[]> model = sc.broadcast(serialise(net));
        JavaRDD<FeatureBlock> features = inputs.blocks().mapPartitions(blocks -> {
            // One restore per task: the extractor reuses buffers and is not thread-safe, and tasks of one
            // executor run in parallel, so they do not share one.
            FeatureExtractor ex = FeatureExtractor.ofLayerOnEngine(restore(model.value()), layer)
                    .withBatchSize(batchSize);
            List<FeatureBlock> out = new ArrayList<>();
            while (blocks.hasNext()) {
                FeatureBlock in = blocks.next();
                if (in.rows() == 0) {
                    out.add(type == DataType.FLOAT ? FeatureBlock.of(new float[0], dimension, new int[0])
                            : FeatureBlock.of(new double[0], dimension, new int[0]));
                    continue;
                }
                INDArray x = in.features().castTo(netType);
                INDArray f = pipeline.apply(ex.extract(x));
                out.add(FeatureBlock.of(f.castTo(type), in.labels()));
            }
            return out.iterator();
        }, true);
        // Same rows as the inputs: n is known, so no job runs here and extraction happens once, when used.
        return SparkFeatures.derived(features, inputs.size(), dimension, inputs.classes(), type);
    }

    static byte[] serialise(MultiLayerNetwork net) {
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream()) {
            ModelSerializer.writeModel(net, bytes, false);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialise the network for broadcast", e);
        }
    }

    static MultiLayerNetwork restore(byte[] model) {
        try {
            return ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(model), false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore the broadcast network", e);
        }
    }
}
