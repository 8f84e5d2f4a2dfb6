package org.dpdl4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.core.clipping.FlatClipping;
import org.dpdl4j.core.engine.PerExampleEngine;
import org.dpdl4j.core.engine.PerExampleGradients;
import org.dpdl4j.core.training.DpSgdConfig;
import org.dpdl4j.core.training.SamplingMode;
import org.dpdl4j.dl4j.features.Inputs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class SparkDpSgdTest {

    @TempDir
    Path dir;

    private static MultiLayerNetwork net() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE)
                .updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(6).nOut(8).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(8).nOut(3).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static int[] labels(int n) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = (i * 5) % 3;
        }
        return y;
    }

    @Test
    void distributedClippedSumEqualsTheEngineSumOnOneMachine() {
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 90, 6).muli(2);
        int[] y = labels(90);
        MultiLayerNetwork net = net();
        double c = 0.3;
        PerExampleEngine engine = PerExampleEngine.of(net);
        PerExampleGradients g = engine.compute(x, Inputs.oneHot(y, 3, DataType.DOUBLE));
        g.writeClippedSumPerLayer(new FlatClipping(c).factors(g));
        INDArray expected = net.getFlattenedGradients().dup();
        INDArray got = SparkDpSgd.clippedSum(net, SparkFeatures.parallelize(LocalSpark.context(), x, y, 3, 4), c);
        assertEquals(0, expected.reshape(got.shape()).sub(got).norm2Number().doubleValue(), 1e-9);
        assertTrue(expected.norm2Number().doubleValue() > c, "the sum should be non-trivial");
    }

    @Test
    void trainsWithOneLedgerRecordPerStepAndSurvivesARetriedTask() throws Exception {
        Nd4j.getRandom().setSeed(6);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 120, 6);
        int[] y = labels(120);
        SparkFeatures clean = SparkFeatures.parallelize(LocalSpark.context(), x, y, 3, 3)
                .persist(StorageLevel.MEMORY_ONLY());
        // q = 30/120, so an epoch is 4 steps, as dp-core's Poisson sampler counts it.
        DpSgdConfig config = DpSgdConfig.builder().clipNorm(1).epochs(1).sampling(SamplingMode.POISSON).batchSize(30)
                .noiseMultiplier(1.0).delta(1e-5).seed(9).build();
        MultiLayerNetwork a = net();
        MultiLayerNetwork b = net();
        INDArray before = a.params().dup();
        try (PrivacyLedger la = PrivacyLedger.open(dir.resolve("a.jsonl"));
             PrivacyLedger lb = PrivacyLedger.open(dir.resolve("b.jsonl"))) {
            SparkDpSgd.Result ra = SparkDpSgd.train(a, clean, config, la, line -> { });
            SparkDpSgd.train(b, clean.withBlocks(LocalSpark.failingFirstAttempt(clean.blocks(), 1)), config, lb,
                    line -> { });
            assertEquals(4, la.size());
            assertEquals(4, lb.size());
            assertEquals(la.toEvent(), lb.toEvent());
            assertTrue(ra.report().epsilon() > 0 && Double.isFinite(ra.report().epsilon()));
        }
        assertTrue(a.params().sub(before).norm2Number().doubleValue() > 0, "training moved the parameters");
        assertEquals(a.params(), b.params(), "a retried task changes nothing");
        clean.unpersist();
    }

    @Test
    void refusesTheConfigurationsItDoesNotImplementByName() throws Exception {
        SparkFeatures data = SparkFeatures.parallelize(LocalSpark.context(), Nd4j.randn(DataType.DOUBLE, 10, 6), labels(10),
                3, 2);
        DpSgdConfig.Builder base = DpSgdConfig.builder().clipNorm(1).epochs(1).noiseMultiplier(1).delta(1e-5);
        try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("refused.jsonl"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SparkDpSgd.train(net(), data,
                    base.sampling(SamplingMode.FIXED_SIZE).batchSize(5).build(), ledger, line -> { }));
            assertTrue(e.getMessage().contains("POISSON or FULL_BATCH"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> SparkDpSgd.train(net(), data,
                    base.sampling(SamplingMode.POISSON).batchSize(5).budget(1).build(), ledger, line -> { }));
            assertTrue(e.getMessage().contains("budget"), e.getMessage());
            assertEquals(0, ledger.size());
        }
    }
}
