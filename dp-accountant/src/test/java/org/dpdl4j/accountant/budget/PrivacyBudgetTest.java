package org.dpdl4j.accountant.budget;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.UnsupportedEventException;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import org.dpdl4j.accountant.gaussian.GaussianAccountant;
import org.dpdl4j.accountant.ledger.LedgerRecord;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivacyBudgetTest {

    private static final double DELTA = 1e-5;
    private static final DpEvent STEP = PoissonSampledEvent.gaussian(0.01, 1.0);
    private static final PrivacyAccountant RDP = AccountantType.RDP.create();

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("ledger.jsonl");
    }

    private static PrivacyBudget budget(PrivacyLedger ledger, double epsilon) {
        return PrivacyBudget.builder().epsilon(epsilon).delta(DELTA).accountant(RDP).ledger(ledger).build();
    }

    /** ε of n steps: a budget of exactly this admits n steps and refuses the n+1-th. */
    private static double epsilonOf(long steps) {
        return RDP.epsilon(new SelfComposedEvent(STEP, steps), DELTA).epsilon();
    }

    @Test
    void builderRequiresEverySettingAndValidatesValues() throws IOException {
        try (PrivacyLedger ledger = PrivacyLedger.open(file())) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> PrivacyBudget.builder().delta(DELTA).accountant(RDP).ledger(ledger).build());
            assertTrue(e.getMessage().contains("epsilon"), e.getMessage());
            e = assertThrows(IllegalStateException.class,
                    () -> PrivacyBudget.builder().epsilon(1).accountant(RDP).ledger(ledger).build());
            assertTrue(e.getMessage().contains("delta"), e.getMessage());
            e = assertThrows(IllegalStateException.class,
                    () -> PrivacyBudget.builder().epsilon(1).delta(DELTA).ledger(ledger).build());
            assertTrue(e.getMessage().contains("accountant"), e.getMessage());
            e = assertThrows(IllegalStateException.class,
                    () -> PrivacyBudget.builder().epsilon(1).delta(DELTA).accountant(RDP).build());
            assertTrue(e.getMessage().contains("ledger"), e.getMessage());

            for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
                assertThrows(IllegalArgumentException.class, () -> PrivacyBudget.builder().epsilon(bad));
            }
            for (double bad : new double[] {0, 1, Double.NaN}) {
                assertThrows(IllegalArgumentException.class, () -> PrivacyBudget.builder().delta(bad));
            }
            PrivacyBudget b = PrivacyBudget.builder().epsilon(2).delta(DELTA).accountant(AccountantType.GAUSSIAN)
                    .ledger(ledger).build();
            assertEquals("gaussian", b.accountant().name());
            assertEquals(2.0, b.epsilon());
            assertEquals(DELTA, b.delta());
        }
    }

    @Test
    void builderRefusesAnAccountantThatCannotBoundTheRecordedHistory() throws IOException {
        try (PrivacyLedger ledger = PrivacyLedger.open(file())) {
            ledger.append("dp-sgd", STEP, 0, 10);
            assertThrows(UnsupportedEventException.class, () -> PrivacyBudget.builder().epsilon(1).delta(DELTA)
                    .accountant(AccountantType.GAUSSIAN).ledger(ledger).build());
        }
    }

    @Test
    void spendRecordsStepsThatFit() throws IOException {
        try (PrivacyLedger ledger = PrivacyLedger.open(file())) {
            PrivacyBudget budget = budget(ledger, 3.0);
            assertEquals(0.0, budget.spentEpsilon());
            LedgerRecord r = budget.spend("dp-sgd", STEP, 0, 100);
            assertEquals(1, r.sequence());
            assertEquals(100, r.steps());
            assertEquals(epsilonOf(100), budget.spentEpsilon());
            assertEquals(ledger.epsilon(RDP, DELTA).epsilon(), budget.spentEpsilon());
        }
    }

    @Test
    void refusesTheSpendThatWouldExceedAndRecordsNothing() throws IOException {
        int capacity = 150;
        try (PrivacyLedger ledger = PrivacyLedger.open(file())) {
            PrivacyBudget budget = budget(ledger, epsilonOf(capacity));
            budget.spend("dp-sgd", STEP, 0, 100);
            byte[] fileBefore = Files.readAllBytes(file());
            List<LedgerRecord> recordsBefore = ledger.records();
            double spentBefore = budget.spentEpsilon();

            BudgetExceededException e = assertThrows(BudgetExceededException.class,
                    () -> budget.spend("dp-sgd", STEP, 100, capacity - 100 + 1));
            assertEquals(spentBefore, e.currentEpsilon());
            assertEquals(epsilonOf(capacity + 1), e.resultingEpsilon());
            assertEquals(epsilonOf(capacity), e.epsilonBudget());
            assertTrue(e.getMessage().contains("Nothing was recorded") && e.getMessage().contains("'dp-sgd'")
                    && e.getMessage().contains(String.valueOf(spentBefore)), e.getMessage());

            assertArrayEquals(fileBefore, Files.readAllBytes(file()));
            assertEquals(recordsBefore, ledger.records());
            assertEquals(recordsBefore, PrivacyLedger.read(file()));
            assertEquals(spentBefore, budget.spentEpsilon());

            // The steps that do fit are still available after a refusal.
            budget.spend("dp-sgd", STEP, 100, capacity - 100);
            assertThrows(BudgetExceededException.class, () -> budget.spend("dp-sgd", STEP, capacity, 1));
            assertEquals(2, ledger.size());
        }
    }

    @Test
    void adviceMatchesWhatSpendAccepts() throws IOException {
        try (PrivacyLedger ledger = PrivacyLedger.open(file())) {
            PrivacyBudget budget = budget(ledger, 3.0);
            budget.spend("dp-sgd", STEP, 0, 50);
            long more = budget.maxAdditionalSteps(STEP);
            assertTrue(more > 0);
            assertTrue(budget.canSpend(STEP, more));
            assertFalse(budget.canSpend(STEP, more + 1));
            assertThrows(BudgetExceededException.class, () -> budget.spend("dp-sgd", STEP, 50, more + 1));
            budget.spend("dp-sgd", STEP, 50, more);
            assertEquals(0, budget.maxAdditionalSteps(STEP));
            assertFalse(budget.canSpend(STEP));
            assertTrue(budget.spentEpsilon() <= 3.0);
        }
    }

    @Test
    void exactGaussianBudgetAdmitsTheAnalyticNumberOfSteps() throws IOException {
        try (PrivacyLedger ledger = PrivacyLedger.open(file())) {
            PrivacyBudget budget = PrivacyBudget.builder().epsilon(2.0).delta(DELTA)
                    .accountant(AccountantType.GAUSSIAN).ledger(ledger).build();
            GaussianEvent step = GaussianEvent.of(25.0);
            long steps = budget.maxAdditionalSteps(step);
            assertTrue(GaussianAccountant.epsilon(Math.sqrt(steps) / 25.0, DELTA) <= 2.0);
            assertTrue(GaussianAccountant.epsilon(Math.sqrt(steps + 1) / 25.0, DELTA) > 2.0);
        }
    }

    @Test
    void unsupportedEventIsRefusedAndNothingIsRecorded() throws IOException {
        try (PrivacyLedger ledger = PrivacyLedger.open(file())) {
            PrivacyBudget budget = PrivacyBudget.builder().epsilon(2.0).delta(DELTA)
                    .accountant(AccountantType.GAUSSIAN).ledger(ledger).build();
            assertThrows(UnsupportedEventException.class, () -> budget.spend("dp-sgd", STEP, 0, 1));
            assertEquals(0, ledger.size());
        }
        assertEquals(0, Files.size(file()));
    }

    @Test
    void historyFromAnEarlierRunCountsAgainstANewBudget() throws IOException {
        double spent;
        try (PrivacyLedger ledger = PrivacyLedger.open(file())) {
            PrivacyBudget budget = budget(ledger, 3.0);
            budget.spend("dp-sgd", STEP, 0, 200);
            spent = budget.spentEpsilon();
        }
        try (PrivacyLedger ledger = PrivacyLedger.open(file())) {
            PrivacyBudget resumed = budget(ledger, 3.0);
            assertEquals(spent, resumed.spentEpsilon());
            assertEquals(200, ledger.nextStep("dp-sgd"));
            PrivacyBudget tighter = budget(ledger, spent / 2);
            assertFalse(tighter.canSpend(STEP));
            assertEquals(0, tighter.maxAdditionalSteps(STEP));
            assertThrows(BudgetExceededException.class, () -> tighter.spend("dp-sgd", STEP, 200, 1));
        }
    }
}
