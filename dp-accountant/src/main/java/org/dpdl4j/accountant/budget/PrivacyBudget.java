package org.dpdl4j.accountant.budget;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.accountant.EpsilonResult;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.PrivacyParameters;
import org.dpdl4j.accountant.calibration.NoiseCalibration;
import org.dpdl4j.accountant.event.ComposedEvent;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.FlatEvents;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import org.dpdl4j.accountant.ledger.LedgerRecord;
import org.dpdl4j.accountant.ledger.PrivacyLedger;

/**
 * An (ε, δ) budget enforced on a {@link PrivacyLedger}: {@link #spend} records steps only if the whole
 * history including them stays within ε at δ according to the accountant, and refuses them otherwise.
 * Build one with {@link #builder()}.
 *
 * <p>The check and the ledger write happen atomically under the ledger's append lock, so trainers that
 * share one ledger (through one or several budgets) cannot overspend together; the ledger write is the
 * commit point, so a failed write spends nothing.
 *
 * <p>Privacy assumption: every mechanism that touches the protected data spends through this budget's
 * ledger before it runs, the recorded events are what runs, and the accountant supports those events;
 * the guarantee is the accountant's (ε, δ) bound for the whole ledger under its neighbouring relation.
 */
public final class PrivacyBudget {

    /** Upper end of the search in {@link #maxAdditionalSteps}; far beyond any real training run. */
    public static final long MAX_STEPS_SEARCHED = 1L << 40;

    private final double epsilon;
    private final double delta;
    private final PrivacyAccountant accountant;
    private final PrivacyLedger ledger;

    private PrivacyBudget(Builder b) {
        this.epsilon = b.epsilon;
        this.delta = b.delta;
        this.accountant = b.accountant;
        this.ledger = b.ledger;
    }

    /** A builder; ε, δ, the accountant and the ledger are all required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Records {@code steps} steps of {@code stepEvent}, numbered from {@code firstStep}, for
     * {@code mechanism} if the history with them stays within the budget. Call it before running the steps.
     *
     * @return the written record
     * @throws BudgetExceededException if the steps do not fit; nothing is recorded
     * @throws org.dpdl4j.accountant.UnsupportedEventException if the accountant cannot bound the event
     * @throws IOException if the ledger write fails; nothing is spent
     */
    public LedgerRecord spend(String mechanism, DpEvent stepEvent, long firstStep, long steps) throws IOException {
        return ledger.append(mechanism, stepEvent, firstStep, steps, (history, proposed) -> {
            accountant.checkSupported(proposed);
            double after = accountant.epsilon(proposed, delta).epsilon();
            if (!(after <= epsilon)) {
                throw new BudgetExceededException(mechanism, steps, stepEvent.kind(), epsilonOf(history), after,
                        epsilon, delta, accountant.name());
            }
        });
    }

    /**
     * Whether the event (composed as a whole with the history) would fit now. Advisory only: another
     * spend may get in first; {@link #spend} is the atomic check.
     */
    public boolean canSpend(DpEvent event) {
        Objects.requireNonNull(event, "event must not be null");
        return fits(ComposedEvent.of(ledger.toEvent(), event));
    }

    /** Whether {@code steps} runs of {@code stepEvent} would fit now (advisory, like {@link #canSpend(DpEvent)}). */
    public boolean canSpend(DpEvent stepEvent, long steps) {
        return canSpend(new SelfComposedEvent(stepEvent, steps));
    }

    /**
     * The largest number of further steps of {@code stepEvent} that fit now, searched up to
     * {@link #MAX_STEPS_SEARCHED} (advisory, like {@link #canSpend(DpEvent)}). Every returned count was
     * checked against the accountant, never extrapolated.
     */
    public long maxAdditionalSteps(DpEvent stepEvent) {
        Objects.requireNonNull(stepEvent, "step event must not be null");
        accountant.checkSupported(stepEvent);
        DpEvent history = ledger.toEvent();
        if (!fits(history)) {
            return 0;
        }
        return NoiseCalibration.maxSteps(accountant, t -> ComposedEvent.of(history, new SelfComposedEvent(stepEvent, t)),
                epsilon, delta, MAX_STEPS_SEARCHED);
    }

    /** The accountant's guarantee for the recorded history at this budget's δ (ε = 0 when nothing is recorded). */
    public EpsilonResult spent() {
        DpEvent history = ledger.toEvent();
        if (FlatEvents.of(history).isEmpty()) {
            return new EpsilonResult(0.0, delta, accountant.name(), Double.NaN, 0.0,
                    List.of("nothing recorded yet: no privacy spent"));
        }
        return accountant.epsilon(history, delta);
    }

    /** ε of the recorded history at this budget's δ. */
    public double spentEpsilon() {
        return spent().epsilon();
    }

    private double epsilonOf(DpEvent history) {
        // RDP's conversion reports a small positive ε for an empty history; nothing spent is ε = 0.
        return FlatEvents.of(history).isEmpty() ? 0.0 : accountant.epsilon(history, delta).epsilon();
    }

    private boolean fits(DpEvent event) {
        return epsilonOf(event) <= epsilon;
    }

    /** The ε limit. */
    public double epsilon() {
        return epsilon;
    }

    /** The δ at which ε is measured. */
    public double delta() {
        return delta;
    }

    /** The accountant that decides what fits. */
    public PrivacyAccountant accountant() {
        return accountant;
    }

    /** The ledger spends are recorded in. */
    public PrivacyLedger ledger() {
        return ledger;
    }

    @Override
    public String toString() {
        return "PrivacyBudget[epsilon=" + epsilon + ", delta=" + delta + ", accountant=" + accountant.name()
                + ", ledger=" + ledger.file() + "]";
    }

    /**
     * Validating builder for {@link PrivacyBudget}: each setter rejects an invalid value at once, and
     * {@link #build()} rejects a missing one.
     *
     * <p>Privacy assumption: δ is chosen well below 1/(dataset size), and the ledger given is the only one
     * recording mechanisms on this data (or the others are accounted for separately).
     */
    public static final class Builder {
        private double epsilon = Double.NaN;
        private double delta = Double.NaN;
        private PrivacyAccountant accountant;
        private PrivacyLedger ledger;

        private Builder() {
        }

        /** The ε limit: finite and &gt; 0. */
        public Builder epsilon(double epsilon) {
            this.epsilon = PrivacyParameters.checkTargetEpsilon(epsilon);
            return this;
        }

        /** The δ at which ε is measured, in (0, 1). */
        public Builder delta(double delta) {
            this.delta = PrivacyParameters.checkDelta(delta);
            return this;
        }

        /** The accountant deciding what fits. */
        public Builder accountant(PrivacyAccountant accountant) {
            this.accountant = Objects.requireNonNull(accountant, "accountant must not be null");
            return this;
        }

        /** A default-configured accountant of the given type. */
        public Builder accountant(AccountantType type) {
            return accountant(Objects.requireNonNull(type, "accountant type must not be null").create());
        }

        /** The ledger to record spends in; its existing history counts against the budget. */
        public Builder ledger(PrivacyLedger ledger) {
            this.ledger = Objects.requireNonNull(ledger, "ledger must not be null");
            return this;
        }

        /**
         * @throws IllegalStateException if a required setting is missing
         * @throws org.dpdl4j.accountant.UnsupportedEventException if the accountant cannot bound the
         *     ledger's existing history
         */
        public PrivacyBudget build() {
            if (Double.isNaN(epsilon)) {
                throw new IllegalStateException("privacy budget needs epsilon: call epsilon(...), e.g. epsilon(3.0)");
            }
            if (Double.isNaN(delta)) {
                throw new IllegalStateException("privacy budget needs delta: call delta(...), e.g. delta(1e-5), "
                        + "below 1/(dataset size)");
            }
            if (accountant == null) {
                throw new IllegalStateException("privacy budget needs an accountant: call accountant(AccountantType.RDP) "
                        + "or accountant(...) with your own");
            }
            if (ledger == null) {
                throw new IllegalStateException("privacy budget needs a ledger: call ledger(PrivacyLedger.open(path))");
            }
            // Fail now rather than at the first spend if the recorded history is beyond this accountant.
            accountant.checkSupported(ledger.toEvent());
            return new PrivacyBudget(this);
        }
    }
}
