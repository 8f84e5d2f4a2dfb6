package org.dpdl4j.accountant.pld;

/**
 * How far the connect-the-dots discretization can be from the truth, in loss units, for the rigorous
 * lower end of the reported ε interval.
 *
 * <p>Coupling. Connect-the-dots is a randomized rounding: a true loss u in [kΔ, (k+1)Δ] becomes (k+1)Δ
 * with probability π(u) = (1 − e^{−v})/(1 − e^{−Δ}), v = u − kΔ, and kΔ otherwise; the rounded loss has
 * exactly the discrete distribution. Its error e = rounded − u takes two values Δ apart, with conditional
 * mean Δπ(u) − v ∈ [0, b(Δ)] (π(u) ≥ v/Δ by concavity of 1 − e^{−v}), where
 * <pre>  b(Δ) = max_{v∈[0,Δ]} Δ(1 − e^{−v})/(1 − e^{−Δ}) − v = y − 1 − log y,  y = Δ/(1 − e^{−Δ}),   b ≤ Δ²/8 + O(Δ⁴).</pre>
 * Given the true losses the errors of T steps are independent, so Hoeffding gives
 * P(Σe_t ≥ T·b + t) ≤ exp(−2t²/(TΔ²)). (Steps whose true loss was truncated are excluded through the
 * recorded truncated mass.)
 *
 * <p>Consequence. With s = T·b + t, η = exp(−2t²/(TΔ²)) and f_ε(x) = (1 − e^{ε−x})₊ non-decreasing,
 * on the event Σe_t ≤ s the true composed loss is at least D − s (D the discrete one), so
 * <pre>  δ_true(ε) ≥ E[f_{ε+s}(D)] − η − P(truncation) ≥ δ_disc(ε + s) − η − P(truncation) − (aliased mass),</pre>
 * and hence ε_true(δ) ≥ ε_disc(δ + η + P(truncation) + aliased) − s.
 *
 * <p>Privacy assumption: none beyond independence of the steps' randomness; this class only bounds the
 * numerical error of the pessimistic estimate.
 */
final class DiscretizationError {

    private DiscretizationError() {
    }

    /** b(Δ), the largest conditional mean of the rounding error of one step. */
    static double bias(double gridStep) {
        double d = gridStep;
        double num;
        if (d < 1e-2) {
            // Δ + expm1(−Δ) = Δ²/2 − Δ³/6 + Δ⁴/24 − …, summed directly to avoid the cancellation.
            num = d * d * (0.5 - d * (1.0 / 6 - d * (1.0 / 24 - d * (1.0 / 120 - d / 720))));
        } else {
            num = d + Math.expm1(-d);
        }
        double u = num / -Math.expm1(-d); // y − 1
        if (u < 1e-2) {
            return u * u * (0.5 - u * (1.0 / 3 - u * (0.25 - u * (0.2 - u / 6))));
        }
        return u - Math.log1p(u);
    }

    /**
     * The loss shift s = T·b(Δ) + Δ·sqrt(T·log(1/η)/2) exceeded by the summed rounding error of T steps
     * with probability at most η.
     *
     * @param logEta log η &lt; 0
     */
    static double shift(double gridStep, long steps, double logEta) {
        if (!(logEta < 0)) {
            throw new IllegalArgumentException("eta must be < 1");
        }
        double t = (double) steps;
        return t * bias(gridStep) + gridStep * Math.sqrt(t * -logEta / 2);
    }
}
