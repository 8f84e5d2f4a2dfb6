package org.dpdl4j.core.training;

import java.nio.file.Path;
import java.util.Objects;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.accountant.PrivacyParameters;
import org.dpdl4j.core.clipping.ClippingStrategy;
import org.dpdl4j.core.clipping.FlatClipping;

/**
 * Immutable configuration of DP-SGD / NoisyGD, built with a validating builder. Either a noise
 * multiplier σ is given, or a target ε (with δ and the number of epochs) from which σ is calibrated
 * before training so that the whole run stays within the target.
 *
 * <p>Privacy assumption: every setting here (clip norm, σ, batch size, epochs) is chosen without
 * looking at the private data; choosing them by tuning on that data is itself a privacy cost that this
 * configuration does not account.
 */
public final class DpSgdConfig {

    private final ClippingStrategy clipping;
    private final double noiseMultiplier;
    private final double targetEpsilon;
    private final double delta;
    private final int epochs;
    private final SamplingMode sampling;
    private final double expectedBatchSize;
    private final int physicalBatchSize;
    private final AccountantType accountant;
    private final double budgetEpsilon;
    private final Long seed;
    private final Path ledgerPath;
    private final String mechanism;

    private DpSgdConfig(Builder b) {
        this.clipping = b.clipping;
        this.noiseMultiplier = b.noiseMultiplier;
        this.targetEpsilon = b.targetEpsilon;
        this.delta = b.delta;
        this.epochs = b.epochs;
        this.sampling = b.sampling;
        this.expectedBatchSize = b.expectedBatchSize;
        this.physicalBatchSize = b.physicalBatchSize;
        this.accountant = b.accountant != null ? b.accountant
                : (b.sampling == SamplingMode.FULL_BATCH ? AccountantType.GAUSSIAN : AccountantType.RDP);
        this.budgetEpsilon = b.budgetEpsilon;
        this.seed = b.seed;
        this.ledgerPath = b.ledgerPath;
        this.mechanism = b.mechanism;
    }

    public static Builder builder() {
        return new Builder();
    }

    public ClippingStrategy clipping() {
        return clipping;
    }

    /** σ, or NaN when it is to be calibrated from {@link #targetEpsilon()}. */
    public double noiseMultiplier() {
        return noiseMultiplier;
    }

    /** The target ε for calibration, or NaN when σ is given. */
    public double targetEpsilon() {
        return targetEpsilon;
    }

    public boolean calibrate() {
        return Double.isNaN(noiseMultiplier);
    }

    public double delta() {
        return delta;
    }

    public int epochs() {
        return epochs;
    }

    public SamplingMode sampling() {
        return sampling;
    }

    /** The logical batch size: expected size for Poisson, exact size for shuffled batches; ignored for full batch. */
    public double expectedBatchSize() {
        return expectedBatchSize;
    }

    /** Largest chunk processed at once (virtual batches); 0 means the whole logical batch. */
    public int physicalBatchSize() {
        return physicalBatchSize;
    }

    public AccountantType accountant() {
        return accountant;
    }

    /** A hard ε budget at {@link #delta()}, or NaN for none: training stops before the step that would exceed it. */
    public double budgetEpsilon() {
        return budgetEpsilon;
    }

    /** True unless a seed was given: noise and sampling then come from a CSPRNG. */
    public boolean secure() {
        return seed == null;
    }

    /** The seed of the reproducible (non-secure) mode, or null. */
    public Long seed() {
        return seed;
    }

    /** Where the ledger is written, or null for a new file in the temporary directory. */
    public Path ledgerPath() {
        return ledgerPath;
    }

    /**
     * The label of this run's records in the ledger ({@code dp-sgd} unless set): separate labels let one
     * ledger hold several phases of a schedule and tell their records apart.
     */
    public String mechanism() {
        return mechanism;
    }

    /** A copy writing to another ledger. */
    DpSgdConfig withLedger(Path path) {
        Builder b = toBuilder();
        b.ledgerPath = path;
        return new DpSgdConfig(b);
    }

    private Builder toBuilder() {
        Builder b = new Builder();
        b.clipping = clipping;
        b.noiseMultiplier = noiseMultiplier;
        b.targetEpsilon = targetEpsilon;
        b.delta = delta;
        b.epochs = epochs;
        b.sampling = sampling;
        b.expectedBatchSize = expectedBatchSize;
        b.physicalBatchSize = physicalBatchSize;
        b.accountant = accountant;
        b.budgetEpsilon = budgetEpsilon;
        b.seed = seed;
        b.ledgerPath = ledgerPath;
        b.mechanism = mechanism;
        return b;
    }

    /** Builder with validation on every setter and on {@link #build()}. */
    public static final class Builder {
        private ClippingStrategy clipping;
        private double noiseMultiplier = Double.NaN;
        private double targetEpsilon = Double.NaN;
        private double delta = Double.NaN;
        private int epochs = 1;
        private SamplingMode sampling = SamplingMode.POISSON;
        private double expectedBatchSize = Double.NaN;
        private int physicalBatchSize;
        private AccountantType accountant;
        private double budgetEpsilon = Double.NaN;
        private Long seed;
        private Path ledgerPath;
        private String mechanism = DpSgdTrainer.MECHANISM;

        private Builder() {
        }

        /** Flat clipping with clip norm C. */
        public Builder clipNorm(double c) {
            this.clipping = new FlatClipping(c);
            return this;
        }

        /** Any clipping strategy (flat, per-layer, adaptive). */
        public Builder clipping(ClippingStrategy strategy) {
            this.clipping = Objects.requireNonNull(strategy, "clipping strategy");
            return this;
        }

        /** σ: noise std is σ times the clipping sensitivity. Excludes {@link #targetEpsilon}. */
        public Builder noiseMultiplier(double sigma) {
            this.noiseMultiplier = PrivacyParameters.checkNoiseMultiplier(sigma);
            return this;
        }

        /** Calibrate σ so that {@link #epochs} epochs end at this ε (Opacus' make_private_with_epsilon). */
        public Builder targetEpsilon(double epsilon) {
            this.targetEpsilon = PrivacyParameters.checkTargetEpsilon(epsilon);
            return this;
        }

        public Builder delta(double delta) {
            this.delta = PrivacyParameters.checkDelta(delta);
            return this;
        }

        public Builder epochs(int epochs) {
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
            }
            this.epochs = epochs;
            return this;
        }

        public Builder sampling(SamplingMode mode) {
            this.sampling = Objects.requireNonNull(mode, "sampling mode");
            return this;
        }

        /** Expected (Poisson) or exact (shuffled) logical batch size. */
        public Builder batchSize(double size) {
            if (!(size >= 1) || Double.isInfinite(size)) {
                throw new IllegalArgumentException("batch size must be a finite number >= 1, got " + size);
            }
            this.expectedBatchSize = size;
            return this;
        }

        /** Process logical batches in chunks of at most this many examples (noise is still added once per step). */
        public Builder physicalBatchSize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("physical batch size must be >= 1, got " + size);
            }
            this.physicalBatchSize = size;
            return this;
        }

        public Builder accountant(AccountantType type) {
            this.accountant = Objects.requireNonNull(type, "accountant");
            return this;
        }

        /** Stop before the step that would make ε exceed this budget (at {@link #delta}). */
        public Builder budget(double epsilon) {
            this.budgetEpsilon = PrivacyParameters.checkTargetEpsilon(epsilon);
            return this;
        }

        /** Reproducible mode: seeded (non-cryptographic) noise and sampling. Flagged in the privacy report. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder ledger(Path path) {
            this.ledgerPath = Objects.requireNonNull(path, "ledger path");
            return this;
        }

        /**
         * Label of this run's ledger records (default {@code dp-sgd}); steps are numbered per label, so a
         * schedule's phases sharing one ledger should each use their own.
         */
        public Builder mechanism(String label) {
            if (label == null || label.isBlank()) {
                throw new IllegalArgumentException("the ledger label must be a non-blank string such as \"dp-sgd\"");
            }
            this.mechanism = label;
            return this;
        }

        public DpSgdConfig build() {
            if (clipping == null) {
                throw new IllegalArgumentException("set a clip norm: clipNorm(C) or clipping(strategy)");
            }
            if (Double.isNaN(delta)) {
                throw new IllegalArgumentException("set delta, e.g. delta(1e-5) (below 1/dataset size)");
            }
            if (Double.isNaN(noiseMultiplier) == Double.isNaN(targetEpsilon)) {
                throw new IllegalArgumentException("set exactly one of noiseMultiplier(sigma) and targetEpsilon(epsilon)");
            }
            if (sampling != SamplingMode.FULL_BATCH && Double.isNaN(expectedBatchSize)) {
                throw new IllegalArgumentException("set batchSize(b) for " + sampling + " sampling");
            }
            if (sampling == SamplingMode.FIXED_SIZE && expectedBatchSize != Math.rint(expectedBatchSize)) {
                throw new IllegalArgumentException("shuffled batches need an integer batch size, got " + expectedBatchSize);
            }
            if (accountant == AccountantType.GAUSSIAN && sampling != SamplingMode.FULL_BATCH) {
                throw new IllegalArgumentException("the exact gaussian accountant only covers full-batch training; use rdp "
                        + "or pld for " + sampling + " sampling");
            }
            if (accountant == AccountantType.PLD && sampling == SamplingMode.FIXED_SIZE) {
                throw new IllegalArgumentException("shuffled (fixed-size) batches are accounted under replace-one by rdp "
                        + "only; use accountant(RDP) or Poisson sampling");
            }
            return new DpSgdConfig(this);
        }
    }
}
