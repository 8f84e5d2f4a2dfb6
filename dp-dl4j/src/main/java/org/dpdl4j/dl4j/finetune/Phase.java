package org.dpdl4j.dl4j.finetune;

import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;

/**
 * One phase of a fine-tuning {@link Schedule}: which parameters train, with which private mechanism and
 * for how many steps. Each phase writes its own records, under its own label, into the schedule's one
 * ledger.
 *
 * <p>Privacy assumption: every setting of a phase (layers, clip norm, batch size, steps, learning rate)
 * is fixed before it runs and does not depend on the private data; its σ is either given or calibrated
 * from the schedule's budget split before any phase runs.
 */
public sealed interface Phase permits DpSgdPhase, HeadPhase {

    /** Prefix of every phase's ledger label. */
    String LABEL_PREFIX = "finetune/";

    /** The phase's name, unique within a schedule. */
    String name();

    /** Number of private steps T. */
    long steps();

    /** Clip norm C of each example's gradient over the trained parameters. */
    double clipNorm();

    /** σ given for this phase, or NaN when the schedule's budget split calibrates it. */
    double noiseMultiplier();

    /** True when σ is calibrated from the schedule's budget. */
    default boolean calibrated() {
        return Double.isNaN(noiseMultiplier());
    }

    /**
     * The accounting event of one step on a private dataset of {@code n} records with noise multiplier
     * {@code sigma}: exactly what the phase's trainer records.
     *
     * @throws IllegalArgumentException if the phase's batch size exceeds {@code n}
     */
    DpEvent stepEvent(long n, double sigma);

    /** All T steps as one event. */
    default DpEvent event(long n, double sigma) {
        return new SelfComposedEvent(stepEvent(n, sigma), steps());
    }

    /** The label of this phase's ledger records: {@code finetune/<name>/<mechanism>}. */
    String ledgerLabel();

    /** A one-line description for reports. */
    String describe();

    /** Checks a name: non-blank, no slash (labels use it as separator). */
    static String checkName(String name) {
        if (name == null || name.isBlank() || name.contains("/")) {
            throw new IllegalArgumentException("a phase name must be non-blank and contain no '/', got '" + name + "'");
        }
        return name;
    }

    /** Checks σ: NaN (calibrate) or a finite value > 0. */
    static double checkSigma(double sigma) {
        if (!Double.isNaN(sigma) && !(sigma > 0 && Double.isFinite(sigma))) {
            throw new IllegalArgumentException("noise multiplier must be finite and > 0 (or unset to calibrate it from "
                    + "the schedule's budget), got " + sigma);
        }
        return sigma;
    }
}
