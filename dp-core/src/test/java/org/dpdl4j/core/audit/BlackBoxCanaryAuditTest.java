package org.dpdl4j.core.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.core.training.DpSgdConfig;
import org.dpdl4j.core.training.SamplingMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class BlackBoxCanaryAuditTest {

    @TempDir
    Path dir;

    static MultiLayerNetwork mlp() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE)
                .updater(new Sgd(0.5)).list()
                .layer(new DenseLayer.Builder().nIn(64).nOut(16).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(16).nOut(3).activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }

    /** DP-SGD on a two-layer MLP with 200 mislabeled out-of-distribution canaries: the bound stays below the claim. */
    @Test
    void mlpTrainedWithDpSgdStaysBelowItsClaim() {
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 300, 64);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 300, 3);
        for (int i = 0; i < 300; i++) {
            y.putScalar(i, x.getDouble(i, 0) > 0.4 ? 2 : x.getDouble(i, 0) > -0.4 ? 1 : 0, 1.0);
        }
        DpSgdConfig config = DpSgdConfig.builder().sampling(SamplingMode.POISSON).batchSize(20).clipNorm(1.0)
                .noiseMultiplier(1.0).epochs(2).delta(1e-5).accountant(AccountantType.PLD).seed(8)
                .ledger(dir.resolve("ledger.jsonl")).build();
        AuditResult r = BlackBoxCanaryAudit.run(BlackBoxCanaryAuditTest::mlp, new DataSet(x, y), config,
                CanaryAuditConfig.builder().canaries(200).guesses(20, 20).seed(12).build());
        System.out.println(r);
        assertEquals(200, r.canaries());
        assertEquals(40, r.guesses());
        assertTrue(r.claimedEpsilon() > 1 && r.claimedEpsilon() < 5, r.toString());
        assertFalse(r.exceedsClaim(), r.toString());
    }

    @Test
    void scoresAreStandardisedWithinEachLabel() {
        double[] s = {1, 3, 10, 30, 5};
        BlackBoxCanaryAudit.standardisePerLabel(s, new int[] {0, 0, 1, 1, 2}, 3);
        double a = Math.sqrt(2);
        assertArrayEquals(new double[] {-1 / a, 1 / a, -1 / a, 1 / a, 0}, s, 1e-12);
    }
}
