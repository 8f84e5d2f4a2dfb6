package org.dpdl4j.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.examples.models.ReferenceModels;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

class NonPrivateBaselineTest {

    @Test
    void timesRealTrainingSteps() {
        MultiLayerNetwork net = ReferenceModels.mlp(1, new Sgd(0.1));
        INDArray before = net.params().dup();
        INDArray labels = Nd4j.zeros(DataType.FLOAT, 8, 10);
        for (int i = 0; i < 8; i++) {
            labels.putScalar(i, i % 10, 1f);
        }
        DataSet batch = new DataSet(Nd4j.rand(DataType.FLOAT, 8, 784), labels);
        Timing.Result r = NonPrivateBaseline.measure(net, batch, 1, 3);
        assertEquals(3, r.runs());
        assertTrue(r.medianMs() > 0 && r.minMs() <= r.medianMs() && r.medianMs() <= r.p90Ms(), r.toString());
        assertNotEquals(before, net.params(), "fit must actually have run");
        assertTrue(NonPrivateBaseline.msPerStep(net, batch, 0, 1) > 0);
        assertThrows(IllegalArgumentException.class, () -> NonPrivateBaseline.msPerStep(net, batch, 0, 0));
    }
}
