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
}
