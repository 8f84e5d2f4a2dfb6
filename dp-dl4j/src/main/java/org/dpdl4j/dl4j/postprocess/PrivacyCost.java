package org.dpdl4j.dl4j.postprocess;

import java.io.Serializable;
import java.util.Locale;
import java.util.Optional;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.GaussianEvent;

/**
 * What one post-processing step cost in privacy, and why.
 *
 * <p>Privacy assumption: {@link Kind#PUBLIC_DATA} is a claim by the caller that the fitting data are
 * disjoint from, and independent of, the private records; the library cannot check it.
 *
 * @param kind why it is free, or that it was charged
 * @param mechanism ledger label of the charge ({@code null} when free)
 * @param noiseMultiplier σ of the Gaussian mechanism charged (NaN when free)
 * @param note human-readable basis for the report
 */
public record PrivacyCost(Kind kind, String mechanism, double noiseMultiplier, String note) implements Serializable {

    /** Why a step costs what it costs. */
    public enum Kind {
        /** The step does not look at any data (e.g. per-example normalisation). */
        DATA_INDEPENDENT,
        /** Fitted on public data, or given as public constants: free for the private data. */
        PUBLIC_DATA,
        /** Fitted on the private data with a Gaussian mechanism recorded in the ledger. */
        CHARGED
    }

    public static PrivacyCost dataIndependent(String note) {
        return new PrivacyCost(Kind.DATA_INDEPENDENT, null, Double.NaN, note);
    }

    public static PrivacyCost publicData(String note) {
        return new PrivacyCost(Kind.PUBLIC_DATA, null, Double.NaN, note);
    }

    public static PrivacyCost charged(String mechanism, double noiseMultiplier, String note) {
        return new PrivacyCost(Kind.CHARGED, mechanism, noiseMultiplier, note);
    }

    /** Whether the private data paid for this step. */
    public boolean isFree() {
        return kind != Kind.CHARGED;
    }

    /** The accountant event of a charged step (add/remove-one Gaussian mechanism), empty when free. */
    public Optional<DpEvent> event() {
        return isFree() ? Optional.empty() : Optional.of(GaussianEvent.of(noiseMultiplier));
    }

    @Override
    public String toString() {
        return isFree() ? kind.name().toLowerCase(Locale.ROOT) + " (free): " + note
                : String.format(Locale.ROOT, "charged to ledger as '%s', Gaussian sigma=%.4f: %s", mechanism,
                        noiseMultiplier, note);
    }
}
