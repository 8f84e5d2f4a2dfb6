package org.dpdl4j.accountant;

/**
 * Validation of the privacy parameters shared by every accountant, so that each invalid input gets the
 * same clear message from the API and from the CLI.
 */
public final class PrivacyParameters {

    private PrivacyParameters() {
    }

    /** @throws IllegalArgumentException unless 0 &lt; δ &lt; 1 */
    public static double checkDelta(double delta) {
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("delta must be in (0, 1), got " + delta
                    + "; a common choice is 1e-5, below 1/(dataset size)");
        }
        return delta;
    }

    /** @throws IllegalArgumentException unless ε ≥ 0 and not NaN (+∞ is allowed) */
    public static double checkEpsilon(double epsilon) {
        if (!(epsilon >= 0)) {
            throw new IllegalArgumentException("epsilon must be >= 0, got " + epsilon);
        }
        return epsilon;
    }

    /** @throws IllegalArgumentException unless the target ε is finite and &gt; 0 */
    public static double checkTargetEpsilon(double epsilon) {
        if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("target epsilon must be a finite number > 0, got " + epsilon);
        }
        return epsilon;
    }

    /** @throws IllegalArgumentException unless σ is finite and &gt; 0 */
    public static double checkNoiseMultiplier(double sigma) {
        if (!(sigma > 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("noise multiplier must be a finite number > 0, got " + sigma
                    + "; use a positive sigma such as 1.0");
        }
        return sigma;
    }

    /** @throws IllegalArgumentException unless 0 &lt; q ≤ 1 */
    public static double checkSamplingRate(double q) {
        if (!(q > 0 && q <= 1)) {
            throw new IllegalArgumentException("sampling rate q must be in (0, 1], got " + q
                    + "; use expected batch size / dataset size");
        }
        return q;
    }

    /** @throws IllegalArgumentException unless steps ≥ 0 */
    public static long checkSteps(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("number of steps must be >= 0, got " + steps);
        }
        return steps;
    }
}
