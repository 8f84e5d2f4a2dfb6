package org.dpdl4j.dl4j.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.dl4j.diagnostics.NeuralCollapse;
import org.dpdl4j.dl4j.features.FeatureExtractor;
import org.dpdl4j.dl4j.features.FeatureSource;
import org.dpdl4j.dl4j.features.Inputs;
import org.dpdl4j.dl4j.head.HeadConfig;
import org.dpdl4j.dl4j.head.HeadResult;
import org.dpdl4j.dl4j.head.HeadTrainer;
import org.dpdl4j.dl4j.postprocess.FeaturePipeline;
import org.dpdl4j.dl4j.postprocess.L2Normalize;
import org.dpdl4j.dl4j.postprocess.Pca;
import org.dpdl4j.dl4j.postprocess.Standardization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class PrivateModelExportTest {

    @TempDir
    Path dir;

    @Test
    void groupNormalisationIsRefusedWithAClearMessageRatherThanMisExported() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT).list()
                .layer(new DenseLayer.Builder().nOut(12).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(6)).build();
        MultiLayerNetwork backbone = new MultiLayerNetwork(conf);
        backbone.init();
        org.dpdl4j.dl4j.postprocess.FeaturePipeline p = org.dpdl4j.dl4j.postprocess.FeaturePipeline.of(
                new org.dpdl4j.dl4j.postprocess.GroupNormalize(4, 2));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PrivateModelExport.toNetwork(backbone, 0, p,
                        org.dpdl4j.dl4j.head.PrivateLinearHead.zeros(12, 3, true, DataType.FLOAT)));
        assertTrue(e.getMessage().contains("group normalisation"), e.getMessage());
    }

    @Test
    void exportedNetworkPredictsOnRawInputLikeThePipelineAndSurvivesModelSerializer() throws Exception {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .updater(new Adam(1e-2)).list()
                .layer(new DenseLayer.Builder().nOut(12).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new DenseLayer.Builder().nOut(10).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(6)).build();
        MultiLayerNetwork backbone = new MultiLayerNetwork(conf);
        backbone.init();
        Nd4j.getRandom().setSeed(4);
        int n = 600;
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
        }
        INDArray y = Inputs.oneHot(labels, 3, DataType.FLOAT);
        INDArray raw = y.mmul(Nd4j.randn(DataType.FLOAT, 3, 6)).addi(Nd4j.randn(DataType.FLOAT, n, 6).muli(0.3f));
        INDArray pub = raw.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 100));
        INDArray priv = raw.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(100, n));
        INDArray privY = y.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(100, n));
        FeatureExtractor ex = FeatureExtractor.ofLayer(backbone, 2);
        INDArray pubF = ex.extract(pub);
        INDArray pubN = new L2Normalize(1).apply(pubF);
        FeaturePipeline pipeline = FeaturePipeline.of(new L2Normalize(1), Standardization.fitPublic(pubN, false),
                Pca.fitPublic(pubN, 4, false), new L2Normalize(2));
        INDArray privFeatures = pipeline.apply(ex.extract(priv));
        Path ledgerFile = dir.resolve("ledger.jsonl");
        HeadResult r;
        try (PrivacyLedger ledger = PrivacyLedger.open(ledgerFile)) {
            r = HeadTrainer.train(FeatureSource.inMemory(privFeatures, privY), HeadConfig.builder().clipNorm(1)
                    .steps(20).learningRate(2).targetEpsilon(3).delta(1e-5).seed(3).build(), ledger);
        }
        MultiLayerNetwork exported = PrivateModelExport.toNetwork(backbone, 2, pipeline, r.head());
        INDArray expected = r.head().probabilities(pipeline.apply(ex.extract(priv)));
        INDArray got = exported.output(priv, false);
        assertTrue(got.equalsWithEps(expected, 1e-4), "exported network = backbone + pipeline + head");

        NeuralCollapse.Result nc = NeuralCollapse.onPublicData(pubF, y.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 100)));
        Path bundle = dir.resolve("bundle");
        PrivateModelBundle.save(bundle, exported, pipeline, r.report(), nc, Map.of("public split", "rows 0..99"));
        MultiLayerNetwork loaded = PrivateModelBundle.loadModel(bundle);
        assertTrue(loaded.output(priv, false).equalsWithEps(got, 1e-6), "ModelSerializer round trip");
        assertEquals(20, PrivacyLedger.read(bundle.resolve(PrivateModelBundle.LEDGER)).size());
        JsonNode json = new ObjectMapper().readTree(bundle.resolve(PrivateModelBundle.REPORT_JSON).toFile());
        assertEquals(r.report().epsilon(), json.get("epsilon").asDouble(), 1e-12);
        assertEquals(20, json.get("ledger_steps_by_mechanism").get("head-noisygd").asLong());
        assertEquals(4, json.get("post_processing").size());
        assertTrue(json.get("neural_collapse").get("covered_by_epsilon").asBoolean());
        String text = Files.readString(bundle.resolve(PrivateModelBundle.REPORT_TEXT));
        assertTrue(text.contains("Privacy guarantee") && text.contains("SEEDED") && text.contains("rows 0..99"), text);
        // Frozen backbone: the exported network's first layers are frozen copies with the same parameters.
        assertEquals(backbone.getLayer(0).params(), exported.getLayer(0).params());
    }

    @Test
    void graphBackboneExportKeepsOnlyTheFeatureBranchFrozenAndPredictsOnRawInput() throws Exception {
        // in -> a (relu) -> bn -> feat (tanh) -> out, plus a side branch a -> aux -> out2 that export must drop.
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(2).dataType(DataType.FLOAT)
                .updater(new Adam(1e-2)).graphBuilder().addInputs("in")
                .addLayer("a", new DenseLayer.Builder().nIn(6).nOut(12).activation(Activation.RELU).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().nIn(12).nOut(12).build(), "a")
                .addLayer("feat", new DenseLayer.Builder().nIn(12).nOut(10).activation(Activation.TANH).build(), "bn")
                .addLayer("out", new OutputLayer.Builder(LossFunction.MCXENT).nIn(10).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "feat")
                .addLayer("aux", new DenseLayer.Builder().nIn(12).nOut(4).activation(Activation.RELU).build(), "a")
                .addLayer("out2", new OutputLayer.Builder(LossFunction.MSE).nIn(4).nOut(2)
                        .activation(Activation.IDENTITY).build(), "aux")
                .setOutputs("out", "out2").build();
        ComputationGraph backbone = new ComputationGraph(conf);
        backbone.init();
        Nd4j.getRandom().setSeed(5);
        int n = 500;
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
        }
        INDArray y = Inputs.oneHot(labels, 3, DataType.FLOAT);
        INDArray raw = y.mmul(Nd4j.randn(DataType.FLOAT, 3, 6)).addi(Nd4j.randn(DataType.FLOAT, n, 6).muli(0.3f));
        // Pretraining gives the BatchNorm real running statistics.
        backbone.fit(new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[] {raw},
                new INDArray[] {y, Nd4j.zeros(DataType.FLOAT, n, 2)}));
        INDArray backboneParams = backbone.params().dup();

        FeatureExtractor ex = FeatureExtractor.ofVertex(backbone, "feat");
        INDArray pubF = ex.extract(raw.get(NDArrayIndex.interval(0, 100)));
        INDArray pubN = new L2Normalize(1).apply(pubF);
        FeaturePipeline pipeline = FeaturePipeline.of(new L2Normalize(1), Pca.fitPublic(pubN, 5, true), new L2Normalize(1));
        INDArray priv = raw.get(NDArrayIndex.interval(100, n));
        INDArray privY = y.get(NDArrayIndex.interval(100, n));
        Path ledgerFile = dir.resolve("graph-ledger.jsonl");
        HeadResult r;
        try (PrivacyLedger ledger = PrivacyLedger.open(ledgerFile)) {
            r = HeadTrainer.train(FeatureSource.inMemory(pipeline.apply(ex.extract(priv)), privY), HeadConfig.builder()
                    .clipNorm(1).steps(15).learningRate(2).targetEpsilon(3).delta(1e-5).seed(3).build(), ledger);
        }

        ComputationGraph exported = PrivateModelExport.toGraph(backbone, "feat", pipeline, r.head());
        assertEquals(List.of(PrivateModelExport.HEAD_VERTEX), exported.getConfiguration().getNetworkOutputs());
        assertTrue(exported.getVertex("aux") == null && exported.getVertex("out2") == null && exported.getVertex("out") == null,
                "other branches and the old outputs are removed");
        for (String frozen : List.of("a", "bn", "feat")) {
            assertTrue(exported.getLayer(frozen) instanceof org.deeplearning4j.nn.layers.FrozenLayer, frozen + " is frozen");
            assertEquals(backbone.getLayer(frozen).params(), exported.getLayer(frozen).params(), frozen + " params");
        }
        INDArray expected = r.head().probabilities(pipeline.apply(ex.extract(priv)));
        INDArray got = exported.outputSingle(false, priv);
        assertTrue(got.equalsWithEps(expected, 1e-4), "exported graph = frozen backbone + pipeline + head");
        assertEquals(backboneParams, backbone.params(), "export leaves the backbone unchanged");

        Path bundle = dir.resolve("graph-bundle");
        PrivateModelBundle.save(bundle, exported, pipeline, r.report(), null, Map.of("backbone", "graph, vertex feat"));
        ComputationGraph loaded = PrivateModelBundle.loadGraph(bundle);
        assertTrue(loaded.outputSingle(false, priv).equalsWithEps(got, 1e-6), "ModelSerializer round trip");
        JsonNode json = new ObjectMapper().readTree(bundle.resolve(PrivateModelBundle.REPORT_JSON).toFile());
        assertEquals("ComputationGraph", json.get("model_type").asText());
        assertEquals(r.report().epsilon(), json.get("epsilon").asDouble(), 1e-12);
        assertEquals(15, PrivacyLedger.read(bundle.resolve(PrivateModelBundle.LEDGER)).size());
        assertTrue(Files.readString(bundle.resolve(PrivateModelBundle.REPORT_TEXT)).contains("Privacy guarantee"));

        // The frozen BatchNorm runs in inference mode even in a training-mode forward pass, on shifted inputs.
        INDArray bnBefore = exported.getLayer("bn").params().dup();
        INDArray shifted = priv.mul(3).addi(1);
        assertTrue(exported.outputSingle(true, shifted).equalsWithEps(exported.outputSingle(false, shifted), 1e-6),
                "frozen BatchNorm uses its stored statistics");
        assertEquals(bnBefore, exported.getLayer("bn").params(), "frozen BatchNorm statistics unchanged");

        assertThrows(IllegalArgumentException.class, () -> PrivateModelExport.toGraph(backbone, "nope", pipeline, r.head()));
        assertThrows(IllegalArgumentException.class, () -> PrivateModelExport.toGraph(backbone, "in", pipeline, r.head()));
    }

    @Test
    void convolutionalFeatureLayerIsFlattenedLikeTheExtractorFlattensIt() throws Exception {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(4).dataType(DataType.FLOAT)
                .updater(new Adam(1e-2)).list()
                .layer(new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).nOut(3)
                        .activation(Activation.RELU).build())
                .layer(new org.deeplearning4j.nn.conf.layers.SubsamplingLayer.Builder(
                        org.deeplearning4j.nn.conf.layers.SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(6).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(8, 8, 1)).build();
        MultiLayerNetwork backbone = new MultiLayerNetwork(conf);
        backbone.init();
        Nd4j.getRandom().setSeed(6);
        int n = 300;
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
        }
        INDArray y = Inputs.oneHot(labels, 3, DataType.FLOAT);
        INDArray raw = y.mmul(Nd4j.rand(DataType.FLOAT, 3, 64)).addi(Nd4j.rand(DataType.FLOAT, n, 64).muli(0.5f));
        // Layer 1 (max pooling) outputs [n, 3, 3, 3]: the extractor flattens it to 27 features.
        FeatureExtractor ex = FeatureExtractor.ofLayer(backbone, 1);
        INDArray f = ex.extract(raw);
        assertEquals(27, f.size(1));
        for (FeaturePipeline pipeline : java.util.List.of(
                FeaturePipeline.of(new L2Normalize(1), Pca.fitPublic(f, 5, true), new L2Normalize(1)),
                FeaturePipeline.of(Pca.fitPublic(f, 4, true)),
                FeaturePipeline.identity())) {
            INDArray processed = pipeline.apply(f);
            HeadResult r;
            try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("conv-" + processed.size(1) + "-"
                    + pipeline.steps().size() + ".jsonl"))) {
                r = HeadTrainer.train(FeatureSource.inMemory(processed, y), HeadConfig.builder().clipNorm(1).steps(10)
                        .learningRate(2).noiseMultiplier(2).delta(1e-5).seed(3).build(), ledger);
            }
            MultiLayerNetwork exported = PrivateModelExport.toNetwork(backbone, 1, pipeline, r.head());
            INDArray expected = r.head().probabilities(processed);
            assertTrue(exported.output(raw, false).equalsWithEps(expected, 1e-4), pipeline.describe());
            Path file = dir.resolve("conv-" + pipeline.steps().size() + ".zip");
            org.deeplearning4j.util.ModelSerializer.writeModel(exported, file.toFile(), false);
            MultiLayerNetwork back = org.deeplearning4j.util.ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false);
            assertTrue(back.output(raw, false).equalsWithEps(expected, 1e-4), "round trip: " + pipeline.describe());
        }
    }
}
