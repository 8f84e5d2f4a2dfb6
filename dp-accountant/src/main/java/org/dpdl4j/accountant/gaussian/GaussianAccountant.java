package org.dpdl4j.accountant.gaussian;

import java.util.List;
import java.util.Map;
import org.dpdl4j.accountant.EpsilonResult;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.PrivacyParameters;
import org.dpdl4j.accountant.UnsupportedEventException;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.FlatEvents;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SampledWithoutReplacementEvent;
import org.dpdl4j.accountant.math.LogMath;

/**
 * Exact accountant for compositions of full-batch Gaussian mechanisms (NoisyGD, q = 1). T Gaussian
 * mechanisms with multipliers σ_t compose to one Gaussian mechanism with μ = sqrt(Σ 1/σ_t²), whose
 * privacy profile is the analytic Gaussian mechanism of Balle &amp; Wang 2018:
 * δ(ε) = Φ(−ε/μ + μ/2) − e^ε Φ(−ε/μ − μ/2). Nothing is lost to a conversion: this is the tight curve.
 *
 * <p>Privacy assumption: every step uses the whole dataset (no subsampling) and each σ_t is relative
 * to the sensitivity under one common neighbouring relation. Subsampled events are refused: use
 * {@code rdp} or {@code pld} for those.
 */
public final class GaussianAccountant implements PrivacyAccountant {

    /** Relative tolerance of the ε root-finder. */
    static final double EPSILON_RELATIVE_TOLERANCE = 1e-12;

    @Override
    public String name() {
        return "gaussian";
    }

    @Override
    public void checkSupported(DpEvent event) {
        mu(event);
    }

    /**
     * The μ of the single Gaussian mechanism equivalent to the event (μ = 1/σ for one step).
     *
     * @throws UnsupportedEventException if any step is subsampled with q &lt; 1
     */
    public static double mu(DpEvent event) {
        double sumInvSq = 0;
        for (Map.Entry<DpEvent, Long> e : FlatEvents.of(event).counts().entrySet()) {
            double sigma = fullBatchSigma(e.getKey());
            sumInvSq += e.getValue() / (sigma * sigma);
        }
        return Math.sqrt(sumInvSq);
    }

    private static double fullBatchSigma(DpEvent base) {
        if (base instanceof GaussianEvent g) {
            return g.noiseMultiplier();
        }
        if (base instanceof PoissonSampledEvent p && p.samplingRate() == 1.0 && p.event() instanceof GaussianEvent g) {
            return g.noiseMultiplier();
        }
        if (base instanceof SampledWithoutReplacementEvent w && w.sampleSize() == w.populationSize()
                && w.event() instanceof GaussianEvent g) {
            return g.noiseMultiplier();
        }
        throw new UnsupportedEventException("the exact Gaussian accountant handles full-batch Gaussian steps only "
                + "(q = 1), got " + describe(base) + "; use the rdp or pld accountant for subsampled steps");
    }

    private static String describe(DpEvent base) {
        if (base instanceof PoissonSampledEvent p) {
            return "Poisson sampling with q=" + p.samplingRate();
        } else if (base instanceof SampledWithoutReplacementEvent w) {
            return "sampling " + w.sampleSize() + " of " + w.populationSize();
        }
        return base.kind();
    }

    /** δ(ε) of a Gaussian mechanism with parameter μ, computed in log space. */
    public static double delta(double mu, double epsilon) {
        PrivacyParameters.checkEpsilon(epsilon);
        if (mu == 0) {
            return 0.0;
        }
        if (Double.isInfinite(epsilon)) {
            return 0.0;
        }
        double a = -epsilon / mu + mu / 2;
        double b = -epsilon / mu - mu / 2;
        double logA = LogMath.logNormalCdf(a);
        double logB = epsilon + LogMath.logNormalCdf(b);
        if (logB >= logA) {
            return 0.0; // only reachable through rounding; the exact value is positive but below 1e-300
        }
        return Math.exp(LogMath.logSub(logA, logB));
    }

    /** Smallest ε with δ(ε) ≤ target for a Gaussian mechanism with parameter μ, to 1e-12 relative. */
    public static double epsilon(double mu, double delta) {
        PrivacyParameters.checkDelta(delta);
        if (mu == 0 || delta(mu, 0.0) <= delta) {
            return 0.0;
        }
        double lo = 0.0;
        double hi = Math.max(1.0, mu * mu);
        while (delta(mu, hi) > delta) {
            lo = hi;
            hi *= 2;
        }
        // δ(ε) is strictly decreasing; keep hi feasible so the answer is never below the true ε.
        while (hi - lo > EPSILON_RELATIVE_TOLERANCE * hi) {
            double mid = 0.5 * (lo + hi);
            if (delta(mu, mid) > delta) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return hi;
    }

    @Override
    public EpsilonResult epsilon(DpEvent event, double delta) {
        double mu = mu(event);
        return new EpsilonResult(epsilon(mu, delta), delta, name(), Double.NaN, 0.0,
                List.of("exact: analytic Gaussian mechanism (Balle & Wang 2018) with mu = " + mu
                        + "; epsilon solved to 1e-12 relative (upper end)"));
    }

    @Override
    public double delta(DpEvent event, double epsilon) {
        return delta(mu(event), epsilon);
    }
}
