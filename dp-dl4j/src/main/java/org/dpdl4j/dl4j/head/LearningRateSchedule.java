package org.dpdl4j.dl4j.head;

import java.io.Serializable;

/**
 * The learning rate of each step, a function of the step index and the planned number of steps only.
 *
 * <p>Privacy assumption: the schedule is fixed before training and does not look at the data; a
 * learning rate applied to an already-noised gradient is post-processing and costs nothing.
 */
@FunctionalInterface
public interface LearningRateSchedule extends Serializable {

    /**
     * The rate at step {@code step} of {@code totalSteps}.
     *
     * @param step 0-based step index
     * @param totalSteps planned steps (≥ 1)
     */
    double rate(long step, long totalSteps);

    /** The same rate at every step. */
    static LearningRateSchedule constant(double rate) {
        checkRate(rate);
        return (step, total) -> rate;
    }

    /** Cosine decay from {@code rate} at step 0 to {@code finalRate} at the last step. */
    static LearningRateSchedule cosine(double rate, double finalRate) {
        checkRate(rate);
        if (!(finalRate >= 0) || finalRate > rate) {
            throw new IllegalArgumentException("final rate must lie in [0, " + rate + "], got " + finalRate);
        }
        return (step, total) -> {
            double progress = total <= 1 ? 0 : (double) step / (total - 1);
            return finalRate + 0.5 * (rate - finalRate) * (1 + Math.cos(Math.PI * progress));
        };
    }

    /** {@code rate} multiplied by {@code factor} after every {@code every} steps. */
    static LearningRateSchedule stepDecay(double rate, double factor, long every) {
        checkRate(rate);
        if (!(factor > 0 && factor <= 1)) {
            throw new IllegalArgumentException("decay factor must lie in (0, 1], got " + factor);
        }
        if (every < 1) {
            throw new IllegalArgumentException("decay interval must be >= 1 step, got " + every);
        }
        return (step, total) -> rate * Math.pow(factor, (double) (step / every));
    }

    private static void checkRate(double rate) {
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("learning rate must be finite and > 0, got " + rate);
        }
    }
}
