package org.dpdl4j.accountant.ledger;

import java.time.Instant;
import java.util.Objects;
import org.dpdl4j.accountant.PrivacyParameters;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;

/**
 * One line of a {@link PrivacyLedger}: {@code steps} consecutive runs of {@code event}, starting at step
 * index {@code firstStep}, spent by the mechanism labelled {@code mechanism}.
 *
 * <p>Privacy assumption: the record was written before the steps it covers ran, and each of those steps
 * ran exactly the recorded event with fresh randomness; its cost is then {@link #cost()}.
 *
 * @param formatVersion ledger format the record was written in (≥ 1)
 * @param sequence position in the ledger, 1 for the first record; equals the line number
 * @param time when the record was appended (UTC)
 * @param libraryVersion dpdl4j version that wrote the record
 * @param mechanism label of the spending mechanism, e.g. {@code dp-sgd}, {@code dp-pca}, {@code head-noisygd}
 * @param firstStep index of the first step covered (≥ 0), in the mechanism's own step numbering
 * @param steps number of steps covered (≥ 1)
 * @param event what one step runs
 */
public record LedgerRecord(int formatVersion, long sequence, Instant time, String libraryVersion, String mechanism,
                           long firstStep, long steps, DpEvent event) {

    public LedgerRecord {
        if (formatVersion < 1) {
            throw new IllegalArgumentException("format version must be >= 1, got " + formatVersion);
        }
        if (sequence < 1) {
            throw new IllegalArgumentException("sequence number must be >= 1, got " + sequence);
        }
        Objects.requireNonNull(time, "time must not be null");
        requireLabel(libraryVersion, "library version");
        requireLabel(mechanism, "mechanism label");
        if (firstStep < 0) {
            throw new IllegalArgumentException("first step index must be >= 0, got " + firstStep);
        }
        if (PrivacyParameters.checkSteps(steps) == 0) {
            throw new IllegalArgumentException("a ledger record must cover at least one step, got 0");
        }
        if (firstStep > Long.MAX_VALUE - steps) {
            throw new IllegalArgumentException("step range [" + firstStep + ", " + firstStep + " + " + steps
                    + ") overflows a long");
        }
        Objects.requireNonNull(event, "event must not be null");
    }

    private static void requireLabel(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must be a non-blank string, got "
                    + (value == null ? "null" : "'" + value + "'"));
        }
    }

    /** The privacy cost of this record: {@link #event()} composed {@link #steps()} times. */
    public DpEvent cost() {
        return new SelfComposedEvent(event, steps);
    }

    /** One past the last step covered, i.e. the first step index of a contiguous next record. */
    public long endStep() {
        return firstStep + steps;
    }
}
