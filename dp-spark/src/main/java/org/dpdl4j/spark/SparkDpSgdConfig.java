package org.dpdl4j.spark;

import java.util.Locale;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.accountant.PrivacyParameters;

/**
 * Settings of synchronous distributed DP-SGD ({@link SparkDpSgd}), built with a validating builder: flat
 * clipping to C, Poisson sampling with an expected batch size (or full batch), T steps, and either σ or a
 * target ε from which σ is calibrated against everything already in the ledger plus these T steps. The
 * network's own DL4J updater (its learning rate, momentum, Adam, …) applies the released gradient.
 *
 * <p>Privacy assumption: every value here is chosen without looking at the private data.
 */
public final class SparkDpSgdConfig {

    private final double clipNorm;
    private final long steps;
    private final double expectedBatchSize;
    private final double noiseMultiplier;
    private final double targetEpsilon;
    private final double delta;
    private final AccountantType accountant;
    private final Long seed;
    private final String mechanism;
    private final int treeDepth;

    private SparkDpSgdConfig(Builder b) {
        clipNorm = b.clipNorm;
        steps = b.steps;
        expectedBatchSize = b.expectedBatchSize;
        noiseMultiplier = b.noiseMultiplier;
        targetEpsilon = b.targetEpsilon;
        delta = b.delta;
        accountant = b.accountant != null ? b.accountant : AccountantType.RDP;
        seed = b.seed;
        mechanism = b.mechanism;
        treeDepth = b.treeDepth;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** C: each example's whole gradient is clipped to this L2 norm. */
    public double clipNorm() {
        return clipNorm;
    }

    /** T. */
    public long steps() {
        return steps;
    }

    /** Expected Poisson batch size q·n, or NaN for full batch (every row every step). */
    public double expectedBatchSize() {
        return expectedBatchSize;
    }

    /** Whether every step uses every row. */
    public boolean fullBatch() {
        return Double.isNaN(expectedBatchSize);
    }

    /** σ, or NaN when calibrated. */
    public double noiseMultiplier() {
        return noiseMultiplier;
    }

    /** Target ε of the whole ledger after training, or NaN when σ is given. */
    public double targetEpsilon() {
        return targetEpsilon;
    }

    public boolean calibrate() {
        return Double.isNaN(noiseMultiplier);
    }

    public double delta() {
        return delta;
    }

    /** RDP by default; GAUSSIAN only for full batch. */
    public AccountantType accountant() {
        return accountant;
    }

    /** Seed of reproducible NOT secure noise and sampling (tests), or {@code null} for secure. */
    public Long seed() {
        return seed;
    }

    /** Label of the ledger records. */
    public String mechanism() {
        return mechanism;
    }

    /** {@code treeAggregate} depth. */
    public int treeDepth() {
        return treeDepth;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "SparkDpSgdConfig[C=%s, T=%d, %s, %s, accountant=%s%s]", clipNorm, steps,
                fullBatch() ? "full batch" : "batch=" + expectedBatchSize,
                calibrate() ? "target eps=" + targetEpsilon : "sigma=" + noiseMultiplier, accountant.id(),
                seed == null ? "" : ", SEEDED");
    }

    /** Validating builder; {@link #build()} names the first problem. */
    public static final class Builder {
        private double clipNorm = Double.NaN;
        private long steps = -1;
        private double expectedBatchSize = Double.NaN;
        private double noiseMultiplier = Double.NaN;
        private double targetEpsilon = Double.NaN;
        private double delta = Double.NaN;
        private AccountantType accountant;
        private Long seed;
        private String mechanism = "spark-dp-sgd";
        private int treeDepth = 2;

        private Builder() {
        }

        public Builder clipNorm(double c) {
            this.clipNorm = c;
            return this;
        }

        public Builder steps(long t) {
            this.steps = t;
            return this;
        }

        /** Poisson sampling with expected batch size q·n; leave unset for full batch. */
        public Builder expectedBatchSize(double b) {
            this.expectedBatchSize = b;
            return this;
        }

        public Builder noiseMultiplier(double sigma) {
            this.noiseMultiplier = sigma;
            return this;
        }

        public Builder targetEpsilon(double epsilon) {
            this.targetEpsilon = epsilon;
            return this;
        }

        public Builder delta(double d) {
            this.delta = d;
            return this;
        }

        public Builder accountant(AccountantType type) {
            this.accountant = type;
            return this;
        }

        /** Seeded, NOT secure noise and sampling, for tests. */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        public Builder mechanism(String label) {
            this.mechanism = label;
            return this;
        }

        public Builder treeDepth(int depth) {
            this.treeDepth = depth;
            return this;
        }

        public SparkDpSgdConfig build() {
            if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
                throw new IllegalArgumentException("clipNorm must be set to a finite value > 0, got " + clipNorm);
            }
            if (steps < 1) {
                throw new IllegalArgumentException("steps must be set to >= 1, got " + steps);
            }
            if (Double.isNaN(delta)) {
                throw new IllegalArgumentException("delta must be set: the report states epsilon at this delta");
            }
            PrivacyParameters.checkDelta(delta);
            boolean hasSigma = !Double.isNaN(noiseMultiplier);
            if (hasSigma == !Double.isNaN(targetEpsilon)) {
                throw new IllegalArgumentException("set exactly one of noiseMultiplier and targetEpsilon, got "
                        + (hasSigma ? "both" : "neither"));
            }
            if (hasSigma) {
                PrivacyParameters.checkNoiseMultiplier(noiseMultiplier);
            } else {
                PrivacyParameters.checkTargetEpsilon(targetEpsilon);
            }
            if (!Double.isNaN(expectedBatchSize) && (!(expectedBatchSize >= 1) || Double.isInfinite(expectedBatchSize))) {
                throw new IllegalArgumentException("expectedBatchSize must be >= 1 (it is q*n), got " + expectedBatchSize);
            }
            if (accountant == AccountantType.GAUSSIAN && !Double.isNaN(expectedBatchSize)) {
                throw new IllegalArgumentException("the exact Gaussian accountant covers full-batch steps only; use rdp "
                        + "or pld with Poisson sampling");
            }
            if (mechanism == null || mechanism.isBlank()) {
                throw new IllegalArgumentException("mechanism label must not be blank");
            }
            if (treeDepth < 1) {
                throw new IllegalArgumentException("tree depth must be >= 1, got " + treeDepth);
            }
            return new SparkDpSgdConfig(this);
        }
    }
}
