package org.dpdl4j.dl4j.finetune;

import java.util.Locale;
import java.util.Objects;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.dl4j.head.HeadMode;
import org.dpdl4j.dl4j.head.LearningRateSchedule;

/**
 * The linear-probe phase of DP-LP-FT: the network's softmax output layer is trained as a private linear
 * head ({@link org.dpdl4j.dl4j.head.HeadTrainer}: NoisyGD full batch, or Poisson DP-SGD) on the frozen
 * features that feed it, then written back into the output layer. Every other layer is untouched.
 * Immutable; built with a validating builder.
 *
 * <p>Privacy assumption: the features are computed by the network as it stands when the phase starts,
 * whose parameters are public (pretrained) or earlier DP releases recorded in the same ledger; each
 * record's features then depend on that record alone, so clipping the head gradient to C bounds its
 * influence. Settings are chosen without the private data.
 */
public final class HeadPhase implements Phase {

    /** How the head starts. */
    public enum Start {
        /** From zeros: a linear probe in the sense of LP-FT. */
        ZEROS,
        /** From the output layer's current (pretrained or earlier-phase) weights. */
        CURRENT
    }

    private final String name;
    private final HeadMode mode;
    private final double clipNorm;
    private final double batchSize;
    private final long steps;
    private final LearningRateSchedule learningRate;
    private final String learningRateText;
    private final double momentum;
    private final double noiseMultiplier;
    private final Start start;

    private HeadPhase(Builder b) {
        this.name = b.name;
        this.mode = b.mode;
        this.clipNorm = b.clipNorm;
        this.batchSize = b.batchSize;
        this.steps = b.steps;
        this.learningRate = b.learningRate;
        this.learningRateText = b.learningRateText;
        this.momentum = b.momentum;
        this.noiseMultiplier = b.noiseMultiplier;
        this.start = b.start;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return name;
    }

    public HeadMode mode() {
        return mode;
    }

    @Override
    public double clipNorm() {
        return clipNorm;
    }

    /** Expected Poisson batch size, or NaN in full-batch mode. */
    public double batchSize() {
        return batchSize;
    }

    @Override
    public long steps() {
        return steps;
    }

    public LearningRateSchedule learningRate() {
        return learningRate;
    }

    public double momentum() {
        return momentum;
    }

    @Override
    public double noiseMultiplier() {
        return noiseMultiplier;
    }

    public Start start() {
        return start;
    }

    @Override
    public DpEvent stepEvent(long n, double sigma) {
        if (n < 1) {
            throw new IllegalArgumentException("the private dataset is empty");
        }
        if (mode == HeadMode.FULL_BATCH) {
            return GaussianEvent.of(sigma);
        }
        if (batchSize > n) {
            throw new IllegalArgumentException("phase '" + name + "': expected batch size " + batchSize + " exceeds the "
                    + n + " private records; use a smaller batch or FULL_BATCH");
        }
        // HeadTrainer's rate: expected batch size / (long) n.
        return PoissonSampledEvent.gaussian(batchSize / n, sigma);
    }

    @Override
    public String ledgerLabel() {
        return LABEL_PREFIX + name + (mode == HeadMode.FULL_BATCH ? "/head-noisygd" : "/head-dpsgd");
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "%s: linear probe of the output layer by %s, C=%s, T=%d, lr %s, momentum %s, "
                        + "start %s%s", name, mode == HeadMode.FULL_BATCH ? "NoisyGD (full batch)" : "Poisson DP-SGD b=" + batchSize,
                clipNorm, steps, learningRateText, momentum, start, calibrated() ? "" : ", sigma=" + noiseMultiplier);
    }

    @Override
    public String toString() {
        return "HeadPhase[" + describe() + "]";
    }

    /** Validating builder. */
    public static final class Builder {
        private String name;
        private HeadMode mode = HeadMode.FULL_BATCH;
        private double clipNorm = Double.NaN;
        private double batchSize = Double.NaN;
        private long steps = -1;
        private LearningRateSchedule learningRate;
        private String learningRateText;
        private double momentum;
        private double noiseMultiplier = Double.NaN;
        private Start start = Start.ZEROS;

        private Builder() {
        }

        public Builder name(String name) {
            this.name = Phase.checkName(name);
            return this;
        }

        /** NoisyGD: every step uses all records (the default). */
        public Builder noisyGd() {
            this.mode = HeadMode.FULL_BATCH;
            this.batchSize = Double.NaN;
            return this;
        }

        /** Poisson DP-SGD with this expected batch size. */
        public Builder poisson(double expectedBatchSize) {
            if (!(expectedBatchSize >= 1) || Double.isInfinite(expectedBatchSize)) {
                throw new IllegalArgumentException("batch size must be a finite number >= 1, got " + expectedBatchSize);
            }
            this.mode = HeadMode.POISSON;
            this.batchSize = expectedBatchSize;
            return this;
        }

        public Builder clipNorm(double c) {
            if (!(c > 0) || Double.isInfinite(c)) {
                throw new IllegalArgumentException("clip norm must be finite and > 0, got " + c);
            }
            this.clipNorm = c;
            return this;
        }

        public Builder steps(long t) {
            if (t < 1) {
                throw new IllegalArgumentException("steps must be >= 1, got " + t);
            }
            this.steps = t;
            return this;
        }

        public Builder learningRate(double rate) {
            this.learningRate = LearningRateSchedule.constant(rate);
            this.learningRateText = Double.toString(rate);
            return this;
        }

        public Builder learningRate(LearningRateSchedule schedule) {
            this.learningRate = Objects.requireNonNull(schedule, "schedule");
            this.learningRateText = "schedule";
            return this;
        }

        /** Heavy-ball momentum in [0, 1). */
        public Builder momentum(double beta) {
            if (!(beta >= 0 && beta < 1)) {
                throw new IllegalArgumentException("momentum must lie in [0, 1), got " + beta);
            }
            this.momentum = beta;
            return this;
        }

        /** A fixed σ; leave unset to calibrate it from the schedule's budget split. */
        public Builder noiseMultiplier(double sigma) {
            this.noiseMultiplier = Phase.checkSigma(sigma);
            return this;
        }

        public Builder start(Start s) {
            this.start = Objects.requireNonNull(s, "start");
            return this;
        }

        public HeadPhase build() {
            if (name == null) {
                throw new IllegalArgumentException("set a phase name, e.g. name(\"probe\")");
            }
            if (Double.isNaN(clipNorm)) {
                throw new IllegalArgumentException("phase '" + name + "': set clipNorm(C)");
            }
            if (steps < 1) {
                throw new IllegalArgumentException("phase '" + name + "': set steps(T)");
            }
            if (learningRate == null) {
                throw new IllegalArgumentException("phase '" + name + "': set learningRate(rate)");
            }
            return new HeadPhase(this);
        }
    }
}
