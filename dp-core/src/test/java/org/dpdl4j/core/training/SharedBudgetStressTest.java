package org.dpdl4j.core.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import org.dpdl4j.accountant.budget.PrivacyBudget;
import org.dpdl4j.accountant.ledger.LedgerRecord;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Two DP-SGD trainers on one shared {@link PrivacyBudget}, running concurrently in several rounds, never
 * overspend it together: the budget admits exactly {@link #CAPACITY} steps in total, and the trainers
 * take exactly that many between them, each stopping before the step that would exceed it.
 */
class SharedBudgetStressTest {

    private static final double DELTA = 1e-5;
    private static final double SIGMA = 1.0;
    private static final int CAPACITY = 40;
    private static final int ROUNDS = 3;

    @TempDir
    Path dir;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static DpSgdConfig config(String label) {
        // Secure noise and sampling: the real mode, and no seeded streams to share.
        return DpSgdConfig.builder().delta(DELTA).batchSize(FaultInjectionChild.BATCH).clipNorm(1).noiseMultiplier(SIGMA)
                .mechanism(label).build();
    }

    @Test
    void concurrentTrainersOnOneBudgetNeverOverspendIt() throws Exception {
        DataSet data = FaultInjectionChild.data();
        DpEvent step = PoissonSampledEvent.gaussian(FaultInjectionChild.BATCH / FaultInjectionChild.N, SIGMA);
        PrivacyAccountant rdp = AccountantType.RDP.create();
        double epsilon = rdp.epsilon(new SelfComposedEvent(step, CAPACITY), DELTA).epsilon();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                Path file = dir.resolve("ledger-" + round + ".jsonl");
                try (PrivacyLedger ledger = PrivacyLedger.open(file)) {
                    PrivacyBudget budget = PrivacyBudget.builder().epsilon(epsilon).delta(DELTA).accountant(rdp).ledger(ledger).build();
                    List<DpSgdTrainer> trainers = List.of(
                            DpSgdTrainer.makePrivate(FaultInjectionChild.network(), data, config("encoder"), budget),
                            DpSgdTrainer.makePrivate(FaultInjectionChild.network(), data, config("decoder"), budget));
                    CountDownLatch start = new CountDownLatch(1);
                    List<Future<PrivacyReport>> runs = new ArrayList<>();
                    for (DpSgdTrainer t : trainers) {
                        runs.add(pool.submit(() -> {
                            start.await();
                            return t.fit(1_000);
                        }));
                    }
                    start.countDown();
                    for (Future<PrivacyReport> r : runs) {
                        r.get(120, TimeUnit.SECONDS);
                    }
                    long taken = 0;
                    for (DpSgdTrainer t : trainers) {
                        assertTrue(t.stoppedByBudget(), "each trainer stops at the shared budget");
                        INDArray params = t.network().params().dup();
                        assertFalse(t.step(), "and takes no step after it");
                        assertTrue(params.equalsWithEps(t.network().params(), 0), "a refused step changes nothing");
                        taken += t.steps();
                    }
                    assertEquals(CAPACITY, taken, "round " + round + ": the trainers took " + taken
                            + " steps together where the budget admits exactly " + CAPACITY);
                    assertTrue(budget.spentEpsilon() <= epsilon, "spent " + budget.spentEpsilon() + " > " + epsilon);
                    assertEquals(0, budget.maxAdditionalSteps(step), "the budget is used up, not left over");
                    for (DpSgdTrainer t : trainers) {
                        assertTrue(t.report().epsilon() <= epsilon, "the report states the shared ledger's epsilon");
                        t.close();
                    }
                    List<LedgerRecord> records = ledger.records();
                    assertEquals(CAPACITY, records.size());
                    for (String label : List.of("encoder", "decoder")) {
                        List<Long> steps = records.stream().filter(r -> r.mechanism().equals(label))
                                .map(LedgerRecord::firstStep).toList();
                        for (int i = 0; i < steps.size(); i++) {
                            assertEquals(i, steps.get(i), label + "'s steps are numbered 0.. without gaps or duplicates");
                        }
                    }
                    assertTrue(ledger.size() == CAPACITY, "closing a trainer leaves the shared ledger open and intact");
                }
                assertEquals(CAPACITY, PrivacyLedger.read(file).size());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void sharingMistakesAreRefusedWithAFix() throws Exception {
        DataSet data = FaultInjectionChild.data();
        try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("shared.jsonl"))) {
            PrivacyBudget budget = PrivacyBudget.builder().epsilon(10).delta(DELTA).accountant(AccountantType.RDP)
                    .ledger(ledger).build();
            try (DpSgdTrainer first = DpSgdTrainer.makePrivate(FaultInjectionChild.network(), data, config("a"), budget)) {
                var same = assertThrows(IllegalArgumentException.class,
                        () -> DpSgdTrainer.makePrivate(FaultInjectionChild.network(), data, config("a"), budget));
                assertTrue(same.getMessage().contains("'a'") && same.getMessage().contains("its own mechanism"), same.getMessage());
                assertTrue(first.step(), "one step fits the budget");
            }
            // Once the first trainer is closed, its label is free again and numbering continues after its steps.
            try (DpSgdTrainer again = DpSgdTrainer.makePrivate(FaultInjectionChild.network(), data, config("a"), budget)) {
                assertEquals(1, again.steps());
            }
            var ownBudget = assertThrows(IllegalArgumentException.class, () -> DpSgdTrainer.makePrivate(
                    FaultInjectionChild.network(), data, DpSgdConfig.builder().delta(DELTA).batchSize(8).clipNorm(1)
                            .noiseMultiplier(1).budget(2).build(), budget));
            assertTrue(ownBudget.getMessage().contains("remove budget(...)"), ownBudget.getMessage());
            var otherLedger = assertThrows(IllegalArgumentException.class, () -> DpSgdTrainer.makePrivate(
                    FaultInjectionChild.network(), data, DpSgdConfig.builder().delta(DELTA).batchSize(8).clipNorm(1)
                            .noiseMultiplier(1).ledger(dir.resolve("other.jsonl")).build(), budget));
            assertTrue(otherLedger.getMessage().contains("remove ledger(...)"), otherLedger.getMessage());
            var otherDelta = assertThrows(IllegalArgumentException.class, () -> DpSgdTrainer.makePrivate(
                    FaultInjectionChild.network(), data, DpSgdConfig.builder().delta(1e-6).batchSize(8).clipNorm(1)
                            .noiseMultiplier(1).build(), budget));
            assertTrue(otherDelta.getMessage().contains("budget's delta"), otherDelta.getMessage());
            assertEquals(1, ledger.size());
        }
    }
}
