package org.dpdl4j.examples.models;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dpdl4j.examples.data.FashionMnist;
import org.dpdl4j.examples.data.RealData;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

/** End-to-end check that data and model fit together: short non-private training must clearly beat chance. */
class MlpSmokeTest {

    @Test
    void mlpLearnsFashionMnistAboveSeventyFivePercent() {
        FashionMnist train = RealData.train().subset(5_000, 1);
        FashionMnist test = RealData.test().subset(2_000, 1);
        DataSet data = train.toDataSet();
        MultiLayerNetwork net = ReferenceModels.mlp(1, new Adam(1e-3));

        long t0 = System.nanoTime();
        int batch = 64;
        for (int epoch = 0; epoch < 2; epoch++) {
            for (int from = 0; from < train.size(); from += batch) {
                net.fit(data.getRange(from, Math.min(from + batch, train.size())));
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;

        INDArray predicted = net.output(test.features()).argMax(1);
        int[] labels = test.labels();
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            if (predicted.getInt(i) == labels[i]) {
                correct++;
            }
        }
        double accuracy = (double) correct / labels.length;
        System.out.printf("MLP, 2 epochs on 5000 examples: test-subset accuracy %.3f, training %.1f s%n", accuracy,
                seconds);
        assertTrue(accuracy > 0.75, "accuracy " + accuracy);
    }
}
