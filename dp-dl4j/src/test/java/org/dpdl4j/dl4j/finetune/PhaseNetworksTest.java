package org.dpdl4j.dl4j.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.core.training.DpSgdConfig;
import org.dpdl4j.core.training.DpSgdTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Nesterovs;

class PhaseNetworksTest {

    @TempDir
    Path dir;

    private DpSgdConfig config(String ledger) {
        return DpSgdConfig.builder().clipNorm(1.0).noiseMultiplier(1.0).delta(1e-5).batchSize(16).seed(3)
                .ledger(dir.resolve(ledger)).build();
    }

    @Test
    void untrainedLayersAreBitIdenticalDespiteL1L2AndWeightDecay() {
        for (DataType type : List.of(DataType.FLOAT, DataType.DOUBLE)) {
            MultiLayerNetwork net = TestNets.regularizedCnn(1, type);
            DataSet data = TestNets.data(64, 2, type);
            Set<Integer> trained = Set.of(2);
            MultiLayerNetwork phase = PhaseNetworks.forPhase(net, trained, new Nesterovs(0.1, 0.9));
            FrozenSnapshot frozen = FrozenSnapshot.of(phase, PhaseNetworks.untrained(phase, trained));
            FrozenSnapshot trainedBefore = FrozenSnapshot.of(phase, trained);
            try (DpSgdTrainer t = DpSgdTrainer.makePrivate(phase, data, config("l-" + type + ".jsonl"), trained)) {
                for (int s = 0; s < 6; s++) {
                    t.step();
                }
            }
            assertEquals(List.of(), frozen.changedTensors(phase), type + ": frozen layers drifted");
            assertEquals(List.of("2/W", "2/b"), trainedBefore.changedTensors(phase), type + ": the dense layer trains");
            // The source network is untouched: the phase works on a copy.
            assertEquals(List.of(), FrozenSnapshot.of(phase, List.of(0, 3)).changedTensors(net));
        }
    }

    @Test
    void withoutTheFreezeTheSameRunMovesUntrainedLayers() {
        // Negative control: the trainer alone gives untrained layers a zero gradient, but DL4J's updater still
        // applies L1/L2/weight decay to them. This is what PhaseNetworks prevents.
        MultiLayerNetwork net = TestNets.regularizedCnn(1, DataType.FLOAT);
        DataSet data = TestNets.data(64, 2, DataType.FLOAT);
        FrozenSnapshot frozen = FrozenSnapshot.of(net, List.of(0, 3));
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(net, data, config("control.jsonl"), Set.of(2))) {
            for (int s = 0; s < 3; s++) {
                t.step();
            }
        }
        assertFalse(frozen.changedTensors(net).isEmpty(), "regularization should move the untrained layers here");
    }

    @Test
    void refusesToTrainALayerWithoutParameters() {
        MultiLayerNetwork net = TestNets.regularizedCnn(1, DataType.FLOAT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PhaseNetworks.forPhase(net, Set.of(1), null));
        assertTrue(e.getMessage().contains("SubsamplingLayer"), e.getMessage());
    }
}
