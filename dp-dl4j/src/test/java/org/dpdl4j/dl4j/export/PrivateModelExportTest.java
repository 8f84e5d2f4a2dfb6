package org.dpdl4j.dl4j.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
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
}
