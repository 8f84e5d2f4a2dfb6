package org.dpdl4j.dl4j.finetune;

import java.util.Locale;
import java.util.Objects;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * A phase of DP-SGD on a chosen set of layers ({@link LayerSelection}): per-example gradients over the
 * trained layers only, each clipped to C in L2 over those layers, N(0, σ²C²) added to the sum on
 * those coordinates only, divided by the fixed expected batch size (Poisson) or n (full batch), then
 * the phase's DL4J updater. Every other layer is frozen bit for bit ({@link PhaseNetworks}). Immutable;
 * built with a validating builder.
 *
 * <p>Sampling: Poisson with rate q = b/n (add/remove-one), or full batch (q = 1, NoisyGD), the two the
 * tight PLD accountant supports.
 *
 * <p>Privacy assumption: the settings (layers, C, b, T, updater, Auto-RGN source) are fixed without
 * looking at the private data; Auto-RGN from noisy gradients only post-processes released values, and
 * from public data only reads that public data.
 */
public final class DpSgdPhase implements Phase {

    private final String name;
    private final LayerSelection train;
    private final double clipNorm;
    private final double batchSize;
    private final int physicalBatchSize;
    private final long steps;
    private final IUpdater updater;
    private final double noiseMultiplier;
    private final AutoRgn autoRgn;

    private DpSgdPhase(Builder b) {
        this.name = b.name;
        this.train = b.train;
        this.clipNorm = b.clipNorm;
        this.batchSize = b.batchSize;
        this.physicalBatchSize = b.physicalBatchSize;
        this.steps = b.steps;
        this.updater = b.updater.clone();
        this.noiseMultiplier = b.noiseMultiplier;
        this.autoRgn = b.autoRgn;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this phase's settings, to derive variants. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.name = name;
        b.train = train;
        b.clipNorm = clipNorm;
        b.batchSize = batchSize;
        b.physicalBatchSize = physicalBatchSize;
        b.steps = steps;
        b.updater = updater.clone();
        b.noiseMultiplier = noiseMultiplier;
        b.autoRgn = autoRgn;
        return b;
    }

    /** The same phase under another name training other layers. */
    public DpSgdPhase with(String newName, LayerSelection layers) {
        return toBuilder().name(newName).train(layers).build();
    }

    @Override
    public String name() {
        return name;
    }

    /** The layers this phase trains. */
    public LayerSelection train() {
        return train;
    }

    @Override
    public double clipNorm() {
        return clipNorm;
    }

    /** Expected Poisson batch size b, or NaN for full batch. */
    public double batchSize() {
        return batchSize;
    }

    public boolean fullBatch() {
        return Double.isNaN(batchSize);
    }

    /** Largest chunk processed at once (0: the whole batch). */
    public int physicalBatchSize() {
        return physicalBatchSize;
    }

    @Override
    public long steps() {
        return steps;
    }

    /** A copy of the trained layers' updater. */
    public IUpdater updater() {
        return updater.clone();
    }

    @Override
    public double noiseMultiplier() {
        return noiseMultiplier;
    }

    /** Auto-RGN per-tensor learning-rate scaling, or null for none. */
    public AutoRgn autoRgn() {
        return autoRgn;
    }

    @Override
    public DpEvent stepEvent(long n, double sigma) {
        if (n < 1) {
            throw new IllegalArgumentException("the private dataset is empty");
        }
        if (fullBatch()) {
            return GaussianEvent.of(sigma);
        }
        if (batchSize > n) {
            throw new IllegalArgumentException("phase '" + name + "': expected batch size " + batchSize + " exceeds the "
                    + n + " private records; use a smaller batch or fullBatch()");
        }
        // The same expression as the trainer's Poisson sampler, so planned and recorded events are equal.
        int size = Math.toIntExact(n);
        return PoissonSampledEvent.gaussian(batchSize / size, sigma);
    }

    @Override
    public String ledgerLabel() {
        return LABEL_PREFIX + name + "/dp-sgd";
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "%s: DP-SGD on %s, C=%s, %s, T=%d, %s%s%s", name, train, clipNorm,
                fullBatch() ? "full batch" : "Poisson b=" + batchSize, steps, updater.getClass().getSimpleName(),
                calibrated() ? "" : ", sigma=" + noiseMultiplier, autoRgn == null ? "" : ", " + autoRgn);
    }

    @Override
    public String toString() {
        return "DpSgdPhase[" + describe() + "]";
    }

    /** Validating builder. */
    public static final class Builder {
        private String name;
        private LayerSelection train;
        private double clipNorm = Double.NaN;
        private double batchSize = Double.NaN;
        private boolean fullBatch;
        private int physicalBatchSize;
        private long steps = -1;
        private IUpdater updater;
        private double noiseMultiplier = Double.NaN;
        private AutoRgn autoRgn;

        private Builder() {
        }

        public Builder name(String name) {
            this.name = Phase.checkName(name);
            return this;
        }

        /** The layers to train (required). */
        public Builder train(LayerSelection layers) {
            this.train = Objects.requireNonNull(layers, "layer selection");
            return this;
        }

        public Builder clipNorm(double c) {
            if (!(c > 0) || Double.isInfinite(c)) {
                throw new IllegalArgumentException("clip norm must be finite and > 0, got " + c);
            }
            this.clipNorm = c;
            return this;
        }

        /** Poisson sampling with this expected batch size. */
        public Builder batchSize(double b) {
            if (!(b >= 1) || Double.isInfinite(b)) {
                throw new IllegalArgumentException("batch size must be a finite number >= 1, got " + b);
            }
            this.batchSize = b;
            this.fullBatch = false;
            return this;
        }

        /** Every step uses all records (NoisyGD, q = 1). */
        public Builder fullBatch() {
            this.batchSize = Double.NaN;
            this.fullBatch = true;
            return this;
        }

        /** Process logical batches in chunks of at most this many examples (memory only; noise once per step). */
        public Builder physicalBatchSize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("physical batch size must be >= 1, got " + size);
            }
            this.physicalBatchSize = size;
            return this;
        }

        public Builder steps(long t) {
            if (t < 1) {
                throw new IllegalArgumentException("steps must be >= 1, got " + t);
            }
            this.steps = t;
            return this;
        }

        /** The trained layers' DL4J updater (Sgd, Nesterovs, Adam, ...), copied. */
        public Builder updater(IUpdater u) {
            this.updater = Objects.requireNonNull(u, "updater").clone();
            return this;
        }

        /** A fixed σ; leave unset to calibrate it from the schedule's budget split. */
        public Builder noiseMultiplier(double sigma) {
            this.noiseMultiplier = Phase.checkSigma(sigma);
            return this;
        }

        /** Per-tensor learning-rate scaling by Auto-RGN (null for none). */
        public Builder autoRgn(AutoRgn rgn) {
            this.autoRgn = rgn;
            return this;
        }

        public DpSgdPhase build() {
            if (name == null) {
                throw new IllegalArgumentException("set a phase name, e.g. name(\"full\")");
            }
            if (train == null) {
                throw new IllegalArgumentException("phase '" + name + "': set the layers to train, e.g. "
                        + "train(LayerSelection.all()) or train(LayerSelection.firstBlock())");
            }
            if (Double.isNaN(clipNorm)) {
                throw new IllegalArgumentException("phase '" + name + "': set clipNorm(C)");
            }
            if (Double.isNaN(batchSize) && !fullBatch) {
                throw new IllegalArgumentException("phase '" + name + "': set batchSize(b) for Poisson sampling or fullBatch()");
            }
            if (steps < 1) {
                throw new IllegalArgumentException("phase '" + name + "': set steps(T)");
            }
            if (updater == null) {
                throw new IllegalArgumentException("phase '" + name + "': set the updater, e.g. updater(new Nesterovs(0.1, 0.9))");
            }
            if (autoRgn != null && !(updater instanceof Sgd || updater instanceof Nesterovs)) {
                throw new IllegalArgumentException("phase '" + name + "': Auto-RGN scales the released gradient per tensor, "
                        + "which equals a per-tensor learning rate only for updaters linear in the gradient; use Sgd or "
                        + "Nesterovs, not " + updater.getClass().getSimpleName());
            }
            return new DpSgdPhase(this);
        }
    }
}
