package org.dpdl4j.accountant.calibration;

import java.util.function.DoubleFunction;
import java.util.function.LongFunction;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.PrivacyParameters;
import org.dpdl4j.accountant.event.DpEvent;

/**
 * Inverts an accountant: the smallest noise multiplier, or the largest number of steps, that meets a
 * target (ε, δ). Both are bisections that only ever return a value whose ε was computed and found
 * within the target, so a returned σ never gives ε above the target, whatever the accountant's rounding.
 *
 * <p>Privacy assumption: the schedule function describes the training that will run for the returned
 * value; ε is non-increasing in σ and non-decreasing in steps (true for every accountant here).
 */
public final class NoiseCalibration {

    /** Relative precision of the returned σ. Much finer than Opacus' stop within 0.01 of the target ε. */
    public static final double SIGMA_RELATIVE_TOLERANCE = 1e-10;
    private static final double MAX_SIGMA = 1e8;

    private NoiseCalibration() {
    }

    /** The outcome of a calibration: the value and the ε it achieves. */
    public record Calibrated(double noiseMultiplier, double epsilon) {
    }

    /**
     * Smallest σ (to {@link #SIGMA_RELATIVE_TOLERANCE}) whose schedule has ε ≤ target at δ.
     *
     * @param schedule maps σ to the event that training with that σ will run
     * @throws IllegalArgumentException if even σ = 1e8 misses the target
     */
    public static Calibrated noiseMultiplier(PrivacyAccountant accountant, DoubleFunction<DpEvent> schedule,
                                             double targetEpsilon, double delta) {
        PrivacyParameters.checkTargetEpsilon(targetEpsilon);
        PrivacyParameters.checkDelta(delta);
        double hi = 1.0;
        double epsHi = eps(accountant, schedule, hi, delta);
        double lo;
        if (epsHi <= targetEpsilon) {
            lo = hi;
            double epsLo = epsHi;
            while (epsLo <= targetEpsilon) {
                hi = lo;
                epsHi = epsLo;
                lo = hi / 2;
                if (lo < 1e-6) {
                    return new Calibrated(hi, epsHi);
                }
                epsLo = eps(accountant, schedule, lo, delta);
            }
        } else {
            lo = hi;
            while (epsHi > targetEpsilon) {
                lo = hi;
                hi *= 2;
                if (hi > MAX_SIGMA) {
                    throw new IllegalArgumentException("no noise multiplier up to " + MAX_SIGMA + " reaches epsilon "
                            + targetEpsilon + " at delta " + delta + "; raise the target or use fewer steps");
                }
                epsHi = eps(accountant, schedule, hi, delta);
            }
        }
        while (hi - lo > SIGMA_RELATIVE_TOLERANCE * hi) {
            double mid = 0.5 * (lo + hi);
            double e = eps(accountant, schedule, mid, delta);
            if (e <= targetEpsilon) {
                hi = mid;
                epsHi = e;
            } else {
                lo = mid;
            }
        }
        return new Calibrated(hi, epsHi);
    }

    /**
     * Largest number of steps T ≤ maxSteps whose schedule has ε ≤ target at δ (0 if even one step exceeds).
     *
     * @param schedule maps a step count to the event
     */
    public static long maxSteps(PrivacyAccountant accountant, LongFunction<DpEvent> schedule,
                                double targetEpsilon, double delta, long maxSteps) {
        PrivacyParameters.checkTargetEpsilon(targetEpsilon);
        PrivacyParameters.checkDelta(delta);
        PrivacyParameters.checkSteps(maxSteps);
        long lo = 0; // always feasible: no step costs nothing
        long hi = 1;
        while (hi <= maxSteps && fits(accountant, schedule, hi, targetEpsilon, delta)) {
            lo = hi;
            if (hi > maxSteps / 2) {
                hi = maxSteps + 1;
                if (lo == maxSteps || fits(accountant, schedule, maxSteps, targetEpsilon, delta)) {
                    return maxSteps;
                }
                break;
            }
            hi *= 2;
        }
        hi = Math.min(hi, maxSteps + 1);
        // invariant: lo fits, hi does not (or exceeds maxSteps)
        while (hi - lo > 1) {
            long mid = lo + (hi - lo) / 2;
            if (fits(accountant, schedule, mid, targetEpsilon, delta)) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static boolean fits(PrivacyAccountant accountant, LongFunction<DpEvent> schedule,
                                long steps, double target, double delta) {
        return accountant.epsilon(schedule.apply(steps), delta).epsilon() <= target;
    }

    private static double eps(PrivacyAccountant accountant, DoubleFunction<DpEvent> schedule,
                              double sigma, double delta) {
        return accountant.epsilon(schedule.apply(sigma), delta).epsilon();
    }
}
