package org.dpdl4j.dl4j.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * Acceptance: in every strategy, every parameter a phase does not train is bit-identical after that
 * phase, checked independently of the runner's own check: the test snapshots the network whenever a
 * phase starts (the runner's progress line) and compares consecutive snapshots on the raw bits. The
 * network has L1, L2 and weight decay on every layer, so any leak through DL4J's updater would show.
 */
class FrozenParametersAcrossStrategiesTest {

    @TempDir
    Path dir;

    private static final int N = 96;

    private static DpSgdPhase template() {
        return DpSgdPhase.builder().name("t").train(LayerSelection.all()).clipNorm(1.0).batchSize(24).steps(4)
                .updater(new Nesterovs(0.05, 0.9)).noiseMultiplier(1.0).build();
    }

    private static HeadPhase probe() {
        return HeadPhase.builder().name("probe").clipNorm(1.0).steps(5).learningRate(0.5).momentum(0.5)
                .noiseMultiplier(2.0).build();
    }

    /** Runs the schedule and checks every phase against the layers it was allowed to train. */
    private void check(Schedule schedule, DataType type, List<Set<Integer>> expectedTrained) {
        MultiLayerNetwork net = TestNets.regularizedCnn(11, type);
        DataSet data = TestNets.data(N, 12, type);
        List<MultiLayerNetwork> snapshots = new ArrayList<>();
        FineTuneResult r = FineTuner.of(schedule).withSeed(5).withLedger(dir.resolve(schedule.name() + type + ".jsonl"))
                .withProgress(line -> {
                    if (line.contains(": phase ")) {
                        snapshots.add(net.clone());
                    }
                }).run(net, data);
        snapshots.add(net.clone());
        assertEquals(schedule.phases().size() + 1, snapshots.size());
        for (int k = 0; k < schedule.phases().size(); k++) {
            Set<Integer> trained = new TreeSet<>(r.phases().get(k).trainedLayers());
            assertEquals(expectedTrained.get(k), trained, schedule.name() + " phase " + k + " trained layers");
            List<Integer> untrained = PhaseNetworks.untrained(net, trained);
            assertFalse(untrained.isEmpty() && trained.size() < 3, "test setup");
            FrozenSnapshot before = FrozenSnapshot.of(snapshots.get(k), untrained);
            assertEquals(List.of(), before.changedTensors(snapshots.get(k + 1)),
                    schedule.name() + " (" + type + ") phase " + r.phases().get(k).name() + " moved untrained layers");
            FrozenSnapshot trainedBefore = FrozenSnapshot.of(snapshots.get(k), trained);
            assertFalse(trainedBefore.changedTensors(snapshots.get(k + 1)).isEmpty(),
                    schedule.name() + " phase " + k + " should have moved its own layers");
            long frozenCount = before.size();
            assertEquals(frozenCount, r.phases().get(k).frozenParametersChecked());
        }
    }

    @Test
    void surgicalStrategiesMoveOnlyTheirBlock() {
        for (DataType type : List.of(DataType.FLOAT, DataType.DOUBLE)) {
            check(Strategies.surgicalFirstBlock(template()).delta(1e-5).build(), type, List.of(Set.of(0)));
            check(Strategies.surgicalMiddleBlock(template()).delta(1e-5).build(), type, List.of(Set.of(2)));
            check(Strategies.surgicalLastLayer(template()).delta(1e-5).build(), type, List.of(Set.of(3)));
            check(Strategies.surgical("by-name", template(), LayerSelection.names("conv", "out")).delta(1e-5).build(), type,
                    List.of(Set.of(0, 3)));
        }
    }

    @Test
    void fullFineTuningTrainsEveryLayer() {
        // Nothing is frozen, so the check is that every layer moves and the runner reports 0 frozen parameters.
        check(Strategies.fullFineTuning(template()).delta(1e-5).build(), DataType.FLOAT, List.of(Set.of(0, 2, 3)));
    }

    @Test
    void lpFtProbeMovesOnlyTheHeadThenFineTuningItsLayers() {
        DpSgdPhase ft = template().with("fine-tune", LayerSelection.block(2, 3));
        check(Strategies.lpFt(probe(), ft).delta(1e-5).build(), DataType.FLOAT, List.of(Set.of(3), Set.of(2, 3)));
        HeadPhase poissonProbe = HeadPhase.builder().name("probe").poisson(24).clipNorm(1.0).steps(5).learningRate(0.5)
                .noiseMultiplier(1.5).start(HeadPhase.Start.CURRENT).build();
        check(Strategies.lpFt(poissonProbe, ft).delta(1e-5).build(), DataType.DOUBLE, List.of(Set.of(3), Set.of(2, 3)));
        check(Strategies.lpFtBySgd(template().with("probe", LayerSelection.lastLayer()),
                template().with("fine-tune", LayerSelection.all())).delta(1e-5).build(), DataType.FLOAT,
                List.of(Set.of(3), Set.of(0, 2, 3)));
    }

    @Test
    void alternatingRoundsMoveOnlyTheirSide() {
        DpSgdPhase adam = template().toBuilder().updater(new Adam(1e-2)).build();
        check(Strategies.alternating(adam, LayerSelection.firstBlock(), LayerSelection.block(2, 3), 2, false)
                .delta(1e-5).build(), DataType.FLOAT, List.of(Set.of(0), Set.of(2, 3), Set.of(0), Set.of(2, 3)));
    }

    @Test
    void autoRgnPhasesFreezeWhatTheyDoNotTrain() {
        DataSet publicData = TestNets.data(40, 99, DataType.FLOAT);
        DpSgdPhase surgicalRgn = template().toBuilder().name("rgn").train(LayerSelection.indices(0, 3))
                .autoRgn(AutoRgn.fromNoisyGradients(0.9)).build();
        check(Schedule.builder().name("rgn-noisy").phase(surgicalRgn).delta(1e-5).build(), DataType.FLOAT,
                List.of(Set.of(0, 3)));
        DpSgdPhase publicRgn = surgicalRgn.toBuilder().autoRgn(AutoRgn.fromPublicData(publicData)).build();
        check(Schedule.builder().name("rgn-public").phase(publicRgn).delta(1e-5).build(), DataType.FLOAT,
                List.of(Set.of(0, 3)));
    }

    @Test
    void layersFrozenByDl4jItselfStayFrozenUnderFullFineTuning() {
        // TransferLearning wraps layer 0 in DL4J's FrozenLayer; its inner L1/weight decay must not move it either.
        MultiLayerNetwork net = new org.deeplearning4j.nn.transferlearning.TransferLearning.Builder(
                TestNets.regularizedCnn(8, DataType.FLOAT)).setFeatureExtractor(0).build();
        FrozenSnapshot layer0 = FrozenSnapshot.of(net, List.of(0));
        FineTuneResult r = FineTuner.of(Strategies.fullFineTuning(template()).delta(1e-5).build()).withSeed(2)
                .withLedger(dir.resolve("dl4j-frozen.jsonl")).run(net, TestNets.data(N, 3, DataType.FLOAT));
        assertEquals(List.of(2, 3), r.phases().get(0).trainedLayers());
        assertEquals(List.of(), layer0.changedTensors(net));
        assertEquals(layer0.size(), r.phases().get(0).frozenParametersChecked());
    }

    @Test
    void theRunnerReportsScalesAndTheCallersNetworkConfigurationIsUnchanged() {
        MultiLayerNetwork net = TestNets.regularizedCnn(3, DataType.FLOAT);
        String before = net.getLayerWiseConfigurations().toJson();
        FineTuneResult r = FineTuner.of(Strategies.autoRgn(template(), AutoRgn.fromNoisyGradients(0.5)).delta(1e-5).build())
                .withSeed(1).withLedger(dir.resolve("rgn.jsonl")).run(net, TestNets.data(N, 4, DataType.FLOAT));
        assertEquals(before, net.getLayerWiseConfigurations().toJson(), "the caller's configuration must not change");
        assertEquals(Set.of("0/W", "0/b", "2/W", "2/b", "3/W", "3/b"), r.phases().get(0).rgnScales().keySet());
        double max = r.phases().get(0).rgnScales().values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        assertEquals(1.0, max, 0.0, "multipliers are normalised by their maximum");
        assertTrue(r.toString().contains("auto-rgn"));
    }
}
