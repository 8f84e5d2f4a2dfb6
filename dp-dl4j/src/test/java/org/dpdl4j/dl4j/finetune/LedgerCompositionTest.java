package org.dpdl4j.dl4j.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.event.ComposedEvent;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.ledger.LedgerRecord;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.accountant.pld.PldAccountant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * Acceptance: each phase's ledger entries are exactly the planned steps, and composing the entries of all
 * phases gives the reported total, which is within the budget. Everything is recomputed from the ledger
 * file alone, as an auditor would.
 */
class LedgerCompositionTest {

    @TempDir
    Path dir;

    private static final double EPS = 2.0;
    private static final double DELTA = 1e-5;

    private static DpSgdPhase sgd(String name, LayerSelection layers, long steps) {
        return DpSgdPhase.builder().name(name).train(layers).clipNorm(1.0).batchSize(16).steps(steps)
                .updater(new Nesterovs(0.05, 0.9)).build();
    }

    @Test
    void perPhaseEntriesComposeToTheReportedTotal() throws Exception {
        HeadPhase probe = HeadPhase.builder().name("probe").clipNorm(1.0).steps(6).learningRate(0.5).build();
        Schedule s = Strategies.lpFt(probe, sgd("fine-tune", LayerSelection.all(), 8)).budget(EPS, DELTA)
                .split(BudgetSplit.fractions(0.25, 0.75)).build();
        Path ledger = dir.resolve("lpft.jsonl");
        MultiLayerNetwork net = TestNets.regularizedCnn(2, DataType.FLOAT);
        FineTuneResult r = FineTuner.of(s).withSeed(9).withLedger(ledger).run(net, TestNets.data(160, 3, DataType.FLOAT));

        PrivacyAccountant pld = PldAccountant.withDefaults();
        List<LedgerRecord> records = PrivacyLedger.read(ledger);
        Map<String, List<LedgerRecord>> byLabel = new LinkedHashMap<>();
        for (LedgerRecord rec : records) {
            byLabel.computeIfAbsent(rec.mechanism(), k -> new ArrayList<>()).add(rec);
        }
        assertEquals(List.of("finetune/probe/head-noisygd", "finetune/fine-tune/dp-sgd"), List.copyOf(byLabel.keySet()));
        List<DpEvent> perPhase = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            PrivacyPlan.PlannedPhase planned = r.plan().phases().get(k);
            List<LedgerRecord> mine = byLabel.get(planned.ledgerLabel());
            assertEquals(s.phases().get(k).steps(), mine.stream().mapToLong(LedgerRecord::steps).sum());
            for (LedgerRecord rec : mine) {
                assertEquals(planned.stepEvent(), rec.event(), "recorded event = planned event");
            }
            DpEvent phaseEvent = PrivacyLedger.compose(mine);
            perPhase.add(phaseEvent);
            double alone = pld.epsilon(phaseEvent, DELTA).epsilon();
            assertEquals(planned.epsilonAlone(), alone, 1e-9, "phase " + k + " alone, from its records");
            assertEquals(alone, r.phases().get(k).epsilonAlone(), 1e-12);
        }
        assertTrue(r.plan().phases().get(0).stepEvent() instanceof GaussianEvent, "NoisyGD probe steps are Gaussian");

        double fromFile = pld.epsilon(PrivacyLedger.readEvent(ledger), DELTA).epsilon();
        assertEquals(r.epsilon(), fromFile, 0.0, "the reported total is the ledger file's composition");
        double fromPhases = pld.epsilon(new ComposedEvent(perPhase), DELTA).epsilon();
        assertEquals(fromFile, fromPhases, 1e-9 * fromFile, "per-phase entries compose to the total");
        assertEquals(r.plan().totalEpsilon(), fromFile, 1e-9 * fromFile, "the run spent what was planned");
        assertTrue(r.epsilon() <= EPS * (1 + 1e-12), "total " + r.epsilon() + " within the budget " + EPS);
        assertTrue(r.epsilon() > 0.99 * EPS, "the split uses the budget, total " + r.epsilon());
        for (FineTuneResult.PhaseResult p : r.phases()) {
            assertTrue(p.epsilonAlone() < r.epsilon(), "each phase alone costs less than the whole");
        }
    }

    @Test
    void alternatingRoundsAndEarlierRecordsShareOneLedger() throws Exception {
        Path ledger = dir.resolve("alt.jsonl");
        // An earlier mechanism on the same data (e.g. DP statistics) already in the ledger counts against the budget.
        try (PrivacyLedger l = PrivacyLedger.open(ledger)) {
            l.append("dp-standardize", GaussianEvent.of(8.0), 0, 1);
        }
        Schedule s = Strategies.alternating(sgd("t", LayerSelection.all(), 5), LayerSelection.firstBlock(),
                LayerSelection.block(2, 3), 2, false).budget(EPS, DELTA).build();
        MultiLayerNetwork net = TestNets.regularizedCnn(4, DataType.FLOAT);
        FineTuneResult r = FineTuner.of(s).withSeed(2).withLedger(ledger).run(net, TestNets.data(128, 5, DataType.FLOAT));
        List<LedgerRecord> records = PrivacyLedger.read(ledger);
        assertEquals(1 + 4 * 5, records.size());
        assertTrue(r.plan().priorEpsilon() > 0);
        PrivacyAccountant pld = PldAccountant.withDefaults();
        double total = pld.epsilon(PrivacyLedger.readEvent(ledger), DELTA).epsilon();
        assertEquals(r.epsilon(), total, 0.0);
        assertTrue(total <= EPS * (1 + 1e-12) && total > 0.99 * EPS, "total " + total);
        // Equal split over four identical phases: one sigma for all.
        double sigma = r.plan().phases().get(0).noiseMultiplier();
        for (PrivacyPlan.PlannedPhase p : r.plan().phases()) {
            assertEquals(sigma, p.noiseMultiplier(), 0.0);
        }
    }
}
