package org.dpdl4j.core.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Sgd;

class PrivacyListenerTest {

    @TempDir
    Path dir;

    @Test
    void reportsEpsilonAndLossEachEpochThroughTheDl4jListenerApi() {
        List<String> lines = new ArrayList<>();
        MultiLayerNetwork net = DpSgdTrainerTest.mlp(new Sgd(0.1), 5, 4);
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(net, DpSgdTrainerTest.data(100, 5, 1), DpSgdConfig.builder()
                .delta(1e-5).seed(1).ledger(dir.resolve("l.jsonl")).batchSize(20).clipNorm(1).noiseMultiplier(1).build())) {
            net.addListeners(new PrivacyListener(t, 2, lines::add));
            t.fit(2);
        }
        List<String> epochLines = lines.stream().filter(l -> l.contains("eps")).toList();
        assertEquals(2, epochLines.size(), lines.toString());
        assertTrue(epochLines.get(1).startsWith("epoch 2: eps "), epochLines.get(1));
        assertTrue(lines.stream().anyMatch(l -> l.matches("epoch 1 step 2/5 loss .*")), lines.toString());
    }

    @Test
    void epochSinkGetsTheValuesOfTheEpochLine() {
        List<String> lines = new ArrayList<>();
        List<PrivacyListener.EpochEnd> epochs = new ArrayList<>();
        MultiLayerNetwork net = DpSgdTrainerTest.mlp(new Sgd(0.1), 5, 4);
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(net, DpSgdTrainerTest.data(100, 5, 1), DpSgdConfig.builder()
                .delta(1e-5).seed(1).ledger(dir.resolve("l.jsonl")).batchSize(20).clipNorm(1).noiseMultiplier(1).build())) {
            net.addListeners(new PrivacyListener(t, 2, lines::add, epochs::add));
            t.fit(2);
            assertEquals(t.epsilon(), epochs.get(1).report().epsilon(), 0.0);
        }
        assertEquals(List.of(1, 2), epochs.stream().map(PrivacyListener.EpochEnd::epoch).toList());
        assertEquals(5, epochs.get(0).report().steps());
        assertEquals(10, epochs.get(1).report().steps());
        assertTrue(epochs.get(0).report().epsilon() < epochs.get(1).report().epsilon());
        assertTrue(Double.isFinite(epochs.get(0).meanLoss()) && epochs.get(0).meanLoss() > 0, epochs.toString());
        assertTrue(epochs.get(1).toString().startsWith("epoch 2: eps "), epochs.get(1).toString());
        assertTrue(lines.stream().noneMatch(l -> l.contains("eps")), "epoch lines go to the epoch sink: " + lines);
    }
}
