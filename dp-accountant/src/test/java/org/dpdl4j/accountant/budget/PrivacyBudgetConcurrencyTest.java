package org.dpdl4j.accountant.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.event.ComposedEvent;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import org.dpdl4j.accountant.ledger.LedgerRecord;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivacyBudgetConcurrencyTest {

    private static final double DELTA = 1e-5;
    private static final DpEvent STEP = PoissonSampledEvent.gaussian(0.02, 1.0);
    private static final int CAPACITY = 60;
    private static final int THREADS = 6;

    @TempDir
    Path dir;

    @Test
    void trainersSharingALedgerNeverOverspendTogether() throws Exception {
        PrivacyAccountant rdp = AccountantType.RDP.create();
        // A budget of exactly ε(CAPACITY steps) admits CAPACITY steps in total and not one more.
        double epsilon = rdp.epsilon(new SelfComposedEvent(STEP, CAPACITY), DELTA).epsilon();
        Path file = dir.resolve("ledger.jsonl");
        long[] told = new long[THREADS];
        try (PrivacyLedger ledger = PrivacyLedger.open(file)) {
            // Two budget objects on one ledger: the atomicity must come from the ledger, not the budget object.
            PrivacyBudget first = PrivacyBudget.builder().epsilon(epsilon).delta(DELTA).accountant(rdp).ledger(ledger).build();
            PrivacyBudget second = PrivacyBudget.builder().epsilon(epsilon).delta(DELTA).accountant(AccountantType.RDP)
                    .ledger(ledger).build();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            CountDownLatch start = new CountDownLatch(1);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int id = t;
                    PrivacyBudget budget = t % 2 == 0 ? first : second;
                    futures.add(pool.submit(() -> {
                        Random random = new Random(id);
                        String mechanism = "trainer-" + id;
                        start.await();
                        long step = 0;
                        int size = 1 + random.nextInt(4);
                        while (true) {
                            try {
                                budget.spend(mechanism, STEP, step, size);
                                step += size;
                                told[id] += size;
                                size = 1 + random.nextInt(4);
                            } catch (BudgetExceededException e) {
                                if (size == 1) {
                                    return null;
                                }
                                size = 1; // a smaller spend may still fit
                            }
                        }
                    }));
                }
                start.countDown();
                for (Future<?> f : futures) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }

            long toldTotal = 0;
            for (long t : told) {
                toldTotal += t;
            }
            long recorded = ledger.records().stream().mapToLong(LedgerRecord::steps).sum();
            assertEquals(toldTotal, recorded);
            assertEquals(CAPACITY, recorded);
            assertTrue(first.spentEpsilon() <= epsilon);
            for (int t = 0; t < THREADS; t++) {
                assertEquals(told[t], ledger.nextStep("trainer-" + t));
            }
        }
        // An auditor re-reading the file finds the same total and an ε within the budget.
        DpEvent audited = PrivacyLedger.readEvent(file);
        assertEquals(ComposedEvent.of(new SelfComposedEvent(STEP, CAPACITY)), audited);
        assertTrue(rdp.epsilon(audited, DELTA).epsilon() <= epsilon);
    }
}
