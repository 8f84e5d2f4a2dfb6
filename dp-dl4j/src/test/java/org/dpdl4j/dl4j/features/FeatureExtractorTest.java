package org.dpdl4j.dl4j.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.dl4j.head.HeadConfig;
import org.dpdl4j.dl4j.head.HeadResult;
import org.dpdl4j.dl4j.head.HeadTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.adapter.SingletonDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class FeatureExtractorTest {

    @TempDir
    Path dir;

    static MultiLayerNetwork bnNet() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .updater(new Adam(1e-2)).list()
                .layer(new DenseLayer.Builder().nOut(16).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new DropoutLayer(0.5))
                .layer(new DenseLayer.Builder().nOut(8).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(5)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    static int[] labels(int n) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
        }
        return y;
    }

    @Test
    void frozenBatchNormKeepsItsStatisticsAndRunsInInferenceMode() {
        MultiLayerNetwork net = bnNet();
        Nd4j.getRandom().setSeed(1);
        INDArray pre = Nd4j.randn(DataType.FLOAT, 64, 5);
        net.fit(new DataSet(pre, Inputs.oneHot(labels(64), 3, DataType.FLOAT)));
        Map<String, INDArray> before = new java.util.HashMap<>();
        net.getLayer(1).paramTable().forEach((k, v) -> before.put(k, v.dup()));
        INDArray allBefore = net.params().dup();

        INDArray x = Nd4j.randn(DataType.FLOAT, 100, 5).muli(5).addi(3);
        INDArray f = FeatureExtractor.ofLayer(net, 3).withBatchSize(7).extract(x);

        for (String k : before.keySet()) {
            assertEquals(before.get(k), net.getLayer(1).getParam(k), "BatchNorm " + k + " changed");
        }
        // M2.1 stores the running variance as log10 of the standard deviation.
        assertTrue(before.containsKey("mean") && (before.containsKey("var") || before.containsKey("log10stdev")),
                "BN statistics are params: " + before.keySet());
        assertTrue(before.get("mean").norm2Number().doubleValue() > 0, "pretraining set non-trivial statistics");
        assertEquals(allBefore, net.params(), "no parameter changed");
        // Inference mode: equals the test-mode forward pass (deterministic, no dropout) on the whole batch.
        INDArray expected = net.feedForwardToLayer(3, x, false).get(4);
        assertTrue(f.equalsWithEps(expected, 1e-5), "features are the inference-mode activations");
        assertEquals(f, FeatureExtractor.ofLayer(net, 3).extract(x), "deterministic");
        assertEquals(100, f.size(0));
        assertEquals(8, f.size(1));
    }

    @Test
    void engineExtractionEqualsDl4jInferenceAndFallsBackForTrainableBatchNorm() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.FLOAT)
                .updater(new Adam(1e-2)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DropoutLayer(0.5))
                .layer(new DenseLayer.Builder().nOut(7).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(8, 8, 1)).build();
        MultiLayerNetwork cnn = new MultiLayerNetwork(conf);
        cnn.init();
        Nd4j.getRandom().setSeed(8);
        INDArray x = Nd4j.rand(DataType.FLOAT, 23, 64);
        FeatureExtractor engine = FeatureExtractor.ofLayerOnEngine(cnn, 3).withBatchSize(10);
        assertTrue(engine.description().contains("engine"), engine.description());
        INDArray expected = FeatureExtractor.ofLayer(cnn, 3).extract(x);
        INDArray got = engine.extract(x);
        assertTrue(got.equalsWithEps(expected, 1e-5), "engine features = DL4J inference features");
        assertEquals(engine.extract(x), got, "deterministic (dropout off)");
        assertNotEquals(FeatureExtractor.ofLayer(cnn, 3).fingerprint(), engine.fingerprint(), "separate cache keys");

        MultiLayerNetwork bn = bnNet();
        FeatureExtractor fallback = FeatureExtractor.ofLayerOnEngine(bn, 3);
        assertTrue(!fallback.description().contains("engine"), "trainable BatchNorm: DL4J's forward pass");
        INDArray z = Nd4j.randn(DataType.FLOAT, 9, 5);
        assertEquals(FeatureExtractor.ofLayer(bn, 3).extract(z), fallback.extract(z));
    }

    @Test
    void graphVertexFeaturesMatchTheMultiLayerNetwork() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .graphBuilder().addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(5).nOut(6).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunction.MCXENT).nIn(6).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        INDArray x = Nd4j.rand(DataType.FLOAT, 10, 5);
        INDArray f = FeatureExtractor.ofVertex(g, "hidden").withBatchSize(3).extract(x);
        INDArray w = g.getLayer("hidden").getParam("W");
        INDArray b = g.getLayer("hidden").getParam("b");
        INDArray expected = org.nd4j.linalg.ops.transforms.Transforms.tanh(x.mmul(w).addiRowVector(b));
        assertTrue(f.equalsWithEps(expected, 1e-5));
        assertThrows(IllegalArgumentException.class, () -> FeatureExtractor.ofVertex(g, "nope"));
    }

    @Test
    void cacheRoundTripsAcrossChunksIsReusedAndTrainsLikeMemory() throws Exception {
        MultiLayerNetwork net = bnNet();
        Nd4j.getRandom().setSeed(2);
        INDArray x = Nd4j.randn(DataType.FLOAT, 103, 5);
        int[] y = labels(103);
        List<String> lines = new ArrayList<>();
        FeatureExtractor ex = FeatureExtractor.ofLayer(net, 3).withBatchSize(10).withProgress(lines::add);
        INDArray inMemory = ex.extract(x);

        // Small chunks: 8 floats per row, 32 rows per chunk -> 4 chunks.
        FeatureCache.Writer w = FeatureCache.create(dir.resolve("c"), 8, 3, "k", 32 * 8 * 4);
        for (int s = 0; s < 103; s += 10) {
            int e = Math.min(103, s + 10);
            w.append(inMemory.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(s, e)),
                    java.util.Arrays.copyOfRange(y, s, e));
        }
        FeatureCache cache = w.finish();
        assertEquals(4, cache.chunks());
        assertEquals(103, cache.size());
        assertEquals(inMemory, cache.allFeatures());
        assertEquals(Inputs.oneHot(y, 3, DataType.FLOAT), cache.allLabels());

        FeatureCache viaExtractor = ex.extractToCache(x, y, 3, dir.resolve("d"), "x");
        assertEquals(inMemory, viaExtractor.allFeatures());
        assertTrue(lines.stream().anyMatch(l -> l.contains("done")), lines.toString());
        FeatureCache reused = ex.extractToCache(x, y, 3, dir.resolve("d"), "x");
        assertTrue(lines.get(lines.size() - 1).contains("reusing"), lines.toString());
        assertEquals(viaExtractor.key(), reused.key());
        assertNotEquals(null, FeatureCache.openIfMatching(dir.resolve("d"), viaExtractor.key()));
        assertEquals(null, FeatureCache.openIfMatching(dir.resolve("d"), "other"));

        HeadConfig cfg = HeadConfig.builder().clipNorm(1).steps(5).learningRate(1).noiseMultiplier(1).delta(1e-5)
                .seed(4).build();
        HeadResult fromCache;
        HeadResult fromMemory;
        try (PrivacyLedger l1 = PrivacyLedger.open(dir.resolve("1.jsonl"));
             PrivacyLedger l2 = PrivacyLedger.open(dir.resolve("2.jsonl"))) {
            fromCache = HeadTrainer.train(cache, cfg, l1);
            fromMemory = HeadTrainer.train(FeatureSource.inMemory(inMemory, Inputs.oneHot(y, 3, DataType.FLOAT)), cfg, l2);
        }
        assertTrue(fromCache.head().weights().equalsWithEps(fromMemory.head().weights(), 1e-5),
                "streaming chunks gives the same NoisyGD run as one matrix");
    }

    @Test
    void interruptedCacheIsNotComplete() throws Exception {
        FeatureCache.Writer w = FeatureCache.create(dir.resolve("c"), 4, 2, "k", 1024);
        w.append(Nd4j.rand(DataType.FLOAT, 3, 4), new int[] {0, 1, 0});
        // no finish(): meta.json never appears
        assertThrows(java.io.IOException.class, () -> FeatureCache.open(dir.resolve("c")));
        assertEquals(null, FeatureCache.openIfMatching(dir.resolve("c"), "k"));
        assertTrue(Files.exists(dir.resolve("c/features-00000.f32")));
    }

    @Test
    void streamsFromAnIterator() throws Exception {
        MultiLayerNetwork net = bnNet();
        INDArray x = Nd4j.rand(DataType.FLOAT, 20, 5);
        DataSetIterator it = new SingletonDataSetIterator(new DataSet(x, Inputs.oneHot(labels(20), 3, DataType.FLOAT)));
        FeatureCache c = FeatureExtractor.ofLayer(net, 0).extractToCache(it, dir.resolve("it"), "twenty");
        assertEquals(20, c.size());
        assertEquals(16, c.dimension());
        assertSame(FeatureCache.class, c.getClass());
    }
}
