package com.example.consumer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.dl4j.features.FeatureSource;
import org.dpdl4j.dl4j.head.HeadConfig;
import org.dpdl4j.dl4j.head.HeadResult;
import org.dpdl4j.dl4j.head.HeadTrainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What an outside user writes: trains a private softmax head with NoisyGD on synthetic features at a
 * target epsilon and prints epsilon and accuracy. Exits non-zero when the result is not what it should be.
 */
public final class TrainPrivateHead {

    public static void main(String[] args) throws Exception {
        int n = 3000;
        int d = 16;
        int k = 3;
        Random r = new Random(7);
        double[][] x = new double[n][d];
        double[][] y = new double[n][k];
        for (int i = 0; i < n; i++) {
            int c = i % k;
            for (int j = 0; j < d; j++) {
                x[i][j] = (j % k == c ? 1.0 : 0.0) + 0.3 * r.nextGaussian();
            }
            y[i][c] = 1.0;
        }
        INDArray features = Nd4j.createFromArray(x).castTo(DataType.FLOAT);
        INDArray labels = Nd4j.createFromArray(y).castTo(DataType.FLOAT);

        Path ledgerFile = Files.createTempDirectory("dpdl4j-consumer").resolve("ledger.jsonl");
        HeadResult result;
        try (PrivacyLedger ledger = PrivacyLedger.open(ledgerFile)) {
            result = HeadTrainer.train(FeatureSource.inMemory(features, labels),
                    HeadConfig.builder().clipNorm(1).steps(30).learningRate(2).targetEpsilon(1).delta(1e-5).build(),
                    ledger);
        }
        double epsilon = result.report().epsilon();
        double accuracy = result.head().accuracy(features, labels);
        System.out.printf("consumer: epsilon=%.4f delta=1e-5 accuracy=%.4f ledger=%s%n", epsilon, accuracy, ledgerFile);
        if (!(epsilon > 0 && epsilon <= 1.0 + 1e-9) || accuracy < 0.8) {
            System.err.println("consumer: unexpected result (need 0 < epsilon <= 1 and accuracy >= 0.8)");
            System.exit(1);
        }
    }
}
