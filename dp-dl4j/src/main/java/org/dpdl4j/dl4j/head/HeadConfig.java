package org.dpdl4j.dl4j.head;

import java.util.Locale;
import java.util.Objects;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.accountant.PrivacyParameters;

/**
 * Immutable settings of private head training, built with a validating builder. Either a noise
 * multiplier σ is given, or a target ε from which σ is calibrated so that everything already in the
 * ledger (DP statistics, DP-PCA, earlier training) composed with this run's steps meets the target.
 *
 * <p>Privacy assumption: every value here (clip norm, steps, rates, batch size, initial head) is
 * chosen without looking at the private data; tuning them on it is a cost this object does not account.
 */
public final class HeadConfig {

    private final HeadMode mode;
    private final double clipNorm;
    private final long steps;
    private final double expectedBatchSize;
    private final double noiseMultiplier;
    private final double targetEpsilon;
    private final double delta;
    private final AccountantType accountant;
    private final LearningRateSchedule learningRate;
    private final double momentum;
    private final boolean bias;
    private final PrivateLinearHead initialHead;
    private final Long seed;
    private final String mechanism;

    private HeadConfig(Builder b) {
        mode = b.mode;
        clipNorm = b.clipNorm;
        steps = b.steps;
        expectedBatchSize = b.expectedBatchSize;
        noiseMultiplier = b.noiseMultiplier;
        targetEpsilon = b.targetEpsilon;
        delta = b.delta;
        accountant = b.accountant != null ? b.accountant
                : (b.mode == HeadMode.FULL_BATCH ? AccountantType.GAUSSIAN : AccountantType.RDP);
        learningRate = b.learningRate;
        momentum = b.momentum;
        bias = b.bias;
        initialHead = b.initialHead == null ? null : b.initialHead.copy();
        seed = b.seed;
        mechanism = b.mechanism != null ? b.mechanism
                : (b.mode == HeadMode.FULL_BATCH ? "head-noisygd" : "head-dpsgd");
    }

    public static Builder builder() {
        return new Builder();
    }

    public HeadMode mode() {
        return mode;
    }

    /** C: every example's whole head gradient (weights and bias) is clipped to this L2 norm. */
    public double clipNorm() {
        return clipNorm;
    }

    /** Number of private steps T. */
    public long steps() {
        return steps;
    }

    /** Expected Poisson batch size q·n ({@link HeadMode#POISSON} only; NaN otherwise). */
    public double expectedBatchSize() {
        return expectedBatchSize;
    }

    /** σ, or NaN when it is calibrated from {@link #targetEpsilon()}. */
    public double noiseMultiplier() {
        return noiseMultiplier;
    }

    /** The target ε of the whole ledger after training, or NaN when σ is given. */
    public double targetEpsilon() {
        return targetEpsilon;
    }

    public boolean calibrate() {
        return Double.isNaN(noiseMultiplier);
    }

    public double delta() {
        return delta;
    }

    /** Accountant used for calibration and the report: GAUSSIAN (exact) by default for full batch, RDP for Poisson. */
    public AccountantType accountant() {
        return accountant;
    }

    public LearningRateSchedule learningRate() {
        return learningRate;
    }

    /** Heavy-ball momentum β in [0, 1): v ← βv + g, θ ← θ − lr·v (post-processing of noisy gradients). */
    public double momentum() {
        return momentum;
    }

    public boolean bias() {
        return bias;
    }

    /** A copy of the initial head, or {@code null} for zeros. */
    public PrivateLinearHead initialHead() {
        return initialHead == null ? null : initialHead.copy();
    }

    /** Seed for reproducible NOT secure noise and sampling (tests and experiments), or {@code null} for secure. */
    public Long seed() {
        return seed;
    }

    /** Label of this run's ledger records. */
    public String mechanism() {
        return mechanism;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "HeadConfig[%s, C=%s, T=%d%s, %s, accountant=%s, momentum=%s, bias=%s%s]",
                mode, clipNorm, steps, mode == HeadMode.POISSON ? ", batch=" + expectedBatchSize : "",
                calibrate() ? "target eps=" + targetEpsilon : "sigma=" + noiseMultiplier, accountant.id(), momentum,
                bias, seed == null ? "" : ", SEEDED");
    }

    /** Validating builder; {@link #build()} reports the first problem in words. */
    public static final class Builder {
        private HeadMode mode = HeadMode.FULL_BATCH;
        private double clipNorm = Double.NaN;
        private long steps = -1;
        private double expectedBatchSize = Double.NaN;
        private double noiseMultiplier = Double.NaN;
        private double targetEpsilon = Double.NaN;
        private double delta = Double.NaN;
        private AccountantType accountant;
        private LearningRateSchedule learningRate;
        private double momentum;
        private boolean bias = true;
        private PrivateLinearHead initialHead;
        private Long seed;
        private String mechanism;

        private Builder() {
        }

        public Builder mode(HeadMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        public Builder clipNorm(double clipNorm) {
            this.clipNorm = clipNorm;
            return this;
        }

        public Builder steps(long steps) {
            this.steps = steps;
            return this;
        }

        /** Expected batch size b = q·n for Poisson mode. */
        public Builder expectedBatchSize(double expectedBatchSize) {
            this.expectedBatchSize = expectedBatchSize;
            return this;
        }

        public Builder noiseMultiplier(double noiseMultiplier) {
            this.noiseMultiplier = noiseMultiplier;
            return this;
        }

        public Builder targetEpsilon(double targetEpsilon) {
            this.targetEpsilon = targetEpsilon;
            return this;
        }

        public Builder delta(double delta) {
            this.delta = delta;
            return this;
        }

        public Builder accountant(AccountantType accountant) {
            this.accountant = accountant;
            return this;
        }

        public Builder learningRate(double rate) {
            this.learningRate = LearningRateSchedule.constant(rate);
            return this;
        }

        public Builder learningRate(LearningRateSchedule schedule) {
            this.learningRate = schedule;
            return this;
        }

        public Builder momentum(double momentum) {
            this.momentum = momentum;
            return this;
        }

        public Builder bias(boolean bias) {
            this.bias = bias;
            return this;
        }

        /** Start from these parameters instead of zeros; they must not depend on the private data. */
        public Builder initialHead(PrivateLinearHead head) {
            this.initialHead = head;
            return this;
        }

        /** Seeded, NOT secure noise and sampling, for tests. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder mechanism(String label) {
            this.mechanism = label;
            return this;
        }

        public HeadConfig build() {
            if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
                throw new IllegalArgumentException("clipNorm must be set to a finite value > 0, got " + clipNorm);
            }
            if (steps < 1) {
                throw new IllegalArgumentException("steps must be set to >= 1, got " + steps);
            }
            if (learningRate == null) {
                throw new IllegalArgumentException("learningRate must be set (a rate or a LearningRateSchedule)");
            }
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("momentum must lie in [0, 1), got " + momentum);
            }
            if (Double.isNaN(delta)) {
                throw new IllegalArgumentException("delta must be set: the report states epsilon at this delta");
            }
            PrivacyParameters.checkDelta(delta);
            boolean hasSigma = !Double.isNaN(noiseMultiplier);
            boolean hasTarget = !Double.isNaN(targetEpsilon);
            if (hasSigma == hasTarget) {
                throw new IllegalArgumentException("set exactly one of noiseMultiplier and targetEpsilon, got "
                        + (hasSigma ? "both" : "neither"));
            }
            if (hasSigma) {
                PrivacyParameters.checkNoiseMultiplier(noiseMultiplier);
            } else {
                PrivacyParameters.checkTargetEpsilon(targetEpsilon);
            }
            if (mode == HeadMode.POISSON) {
                if (!(expectedBatchSize >= 1) || Double.isInfinite(expectedBatchSize)) {
                    throw new IllegalArgumentException("Poisson mode needs expectedBatchSize >= 1, got " + expectedBatchSize
                            + ": it is q*n, and q*n < 1 makes most batches empty while the noise is divided by q*n; "
                            + "use an expected batch size of at least 1");
                }
            } else if (!Double.isNaN(expectedBatchSize)) {
                throw new IllegalArgumentException("expectedBatchSize applies to POISSON mode only; full batch uses all rows");
            }
            AccountantType acc = accountant != null ? accountant
                    : (mode == HeadMode.FULL_BATCH ? AccountantType.GAUSSIAN : AccountantType.RDP);
            if (mode == HeadMode.POISSON && acc == AccountantType.GAUSSIAN) {
                throw new IllegalArgumentException("the exact Gaussian accountant covers full-batch steps only; "
                        + "use rdp or pld for Poisson mode");
            }
            if (initialHead != null && initialHead.hasBias() != bias) {
                throw new IllegalArgumentException("the initial head " + (initialHead.hasBias() ? "has" : "has no")
                        + " bias but bias(" + bias + ") was configured");
            }
            if (mechanism != null && mechanism.isBlank()) {
                throw new IllegalArgumentException("mechanism label must not be blank");
            }
            return new HeadConfig(this);
        }
    }
}
