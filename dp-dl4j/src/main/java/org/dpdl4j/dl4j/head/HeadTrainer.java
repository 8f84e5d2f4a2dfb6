package org.dpdl4j.dl4j.head;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import org.dpdl4j.accountant.EpsilonResult;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.calibration.NoiseCalibration;
import org.dpdl4j.accountant.event.ComposedEvent;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.core.noise.GaussianNoise;
import org.dpdl4j.core.sampling.Batch;
import org.dpdl4j.core.sampling.InMemoryDataset;
import org.dpdl4j.core.sampling.PoissonSampler;
import org.dpdl4j.core.training.PrivacyReport;
import org.dpdl4j.dl4j.features.FeatureSource;
import org.dpdl4j.dl4j.features.Inputs;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trains a {@link PrivateLinearHead} privately on fixed features: full-batch NoisyGD or Poisson DP-SGD.
 * Each step sums the per-example gradients clipped to C (closed form, two matrix products), adds
 * N(0, σ²C²) to every weight and bias coordinate, divides by the fixed n (full batch) or q·n (Poisson),
 * and applies heavy-ball momentum and the learning-rate schedule.
 *
 * <p>Data: any {@link FeatureSource}. Full-batch steps stream it chunk by chunk (an on-disk
 * {@code FeatureCache} larger than memory is read once per step); Poisson steps read only the sampled
 * rows ({@link FeatureSource#rows}), so a cache larger than memory costs about q·n row reads per step.
 *
 * <p>Calibration: when a target ε is configured, σ is the smallest value for which the composition of
 * everything already in the ledger and this run's T steps meets the target at δ. So budget spent
 * earlier on the same data (DP standardisation, DP-PCA) is subtracted first, in the one ledger.
 *
 * <p>Privacy assumption: the rows are the private records, one per individual, and the features were
 * produced by a map fixed independently of them (a frozen backbone, post-processing fitted on public
 * data or charged to the same ledger). n is public. Every step is appended to the ledger before its
 * noise is drawn. The initial head, hyperparameters and schedule do not depend on the private data.
 * Noise is secure (CSPRNG) unless the config has a seed.
 */
public final class HeadTrainer {

    private HeadTrainer() {
    }

    /** {@link #train(FeatureSource, HeadConfig, PrivacyLedger, Consumer)} without progress output. */
    public static HeadResult train(FeatureSource data, HeadConfig config, PrivacyLedger ledger) {
        return train(data, config, ledger, line -> { });
    }

    /**
     * Trains and returns the head with the ledger's guarantee.
     *
     * @param progress receives a line about every tenth of the run (step counts and σ only: nothing
     *     computed from the private data)
     * @throws IllegalStateException if the ledger already spends the target ε
     * @throws UncheckedIOException if the ledger cannot record a step (training stops before that step)
     */
    public static HeadResult train(FeatureSource data, HeadConfig config, PrivacyLedger ledger,
                                   Consumer<String> progress) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(ledger, "ledger: every private step must be recorded");
        Objects.requireNonNull(progress, "progress");
        if (data.size() < 1) {
            throw new IllegalArgumentException("the feature source has no rows: private training needs at least one "
                    + "example; check that the source (e.g. a feature cache or a filter) produced any");
        }
        PrivateLinearHead head = config.initialHead() != null ? config.initialHead()
                : PrivateLinearHead.zeros(data.dimension(), data.classes(), config.bias(),
                        data.chunk(0).features().dataType());
        if (head.inputs() != data.dimension() || head.classes() != data.classes()) {
            throw new IllegalArgumentException("initial head is " + head + " but the data have d=" + data.dimension()
                    + ", k=" + data.classes() + "; give an initial head with " + data.dimension() + " inputs and "
                    + data.classes() + " classes, or none (zeros)");
        }
        PrivacyAccountant accountant = config.accountant().create();
        double q = config.mode() == HeadMode.POISSON ? config.expectedBatchSize() / data.size() : 1.0;
        if (q > 1) {
            throw new IllegalArgumentException("expected batch size " + config.expectedBatchSize()
                    + " exceeds the " + data.size() + " rows; use FULL_BATCH mode");
        }
        DpEvent prior = ledger.toEvent();
        double priorEpsilon = accountant.epsilon(prior, config.delta()).epsilon();
        double sigma = config.noiseMultiplier();
        if (config.calibrate()) {
            if (priorEpsilon >= config.targetEpsilon()) {
                throw new IllegalStateException(String.format(Locale.ROOT, "the ledger %s already spends epsilon %.4f "
                        + ">= the target %.4f at delta %.1e; nothing is left for the head", ledger.file(), priorEpsilon,
                        config.targetEpsilon(), config.delta()));
            }
            double rate = q;
            sigma = NoiseCalibration.noiseMultiplier(accountant,
                    s -> ComposedEvent.of(prior, new SelfComposedEvent(stepEvent(config.mode(), rate, s),
                            config.steps())),
                    config.targetEpsilon(), config.delta()).noiseMultiplier();
        }
        GaussianNoise noise = config.seed() == null ? GaussianNoise.createSecure()
                : GaussianNoise.createSeeded(config.seed());
        long t0 = System.nanoTime();
        progress.accept(String.format(Locale.ROOT, "head: %s, n=%d, d=%d, k=%d, sigma=%.4f, C=%s, %d steps%s",
                config.mode(), data.size(), data.dimension(), data.classes(), sigma, config.clipNorm(), config.steps(),
                priorEpsilon > 0 ? String.format(Locale.ROOT, ", earlier spend eps=%.4f", priorEpsilon) : ""));
        String sampling;
        if (config.mode() == HeadMode.FULL_BATCH) {
            runFullBatch(head, data, config, sigma, noise, ledger, progress);
            sampling = "full batch (q=1, divisor n=" + data.size() + "), add/remove-one; rows read from " + data.describe();
        } else {
            sampling = runPoisson(head, data, config, q, sigma, noise, ledger, progress);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        EpsilonResult eps = ledger.epsilon(accountant, config.delta());
        List<String> notes = new ArrayList<>(eps.notes());
        if (priorEpsilon > 0) {
            notes.add(String.format(Locale.ROOT, "includes earlier spend in the same ledger (eps=%.4f alone)",
                    priorEpsilon));
        }
        if (!noise.secure()) {
            notes.add("SEEDED noise and sampling: reproducible, NOT a private release");
        }
        PrivacyReport report = new PrivacyReport(eps.epsilon(), config.delta(), eps.accountant(), config.steps(), sigma,
                "flat clip C=" + config.clipNorm() + " of each example's whole head gradient (closed form)", sampling,
                noise.secure(), ledger.file(), ledger.headHash(), false, notes);
        progress.accept(String.format(Locale.ROOT, "head: done in %.1f s; %s", seconds, report));
        return new HeadResult(head, report, priorEpsilon, seconds);
    }

    static DpEvent stepEvent(HeadMode mode, double q, double sigma) {
        return mode == HeadMode.FULL_BATCH ? GaussianEvent.of(sigma) : PoissonSampledEvent.gaussian(q, sigma);
    }

    private static void runFullBatch(PrivateLinearHead head, FeatureSource data, HeadConfig config, double sigma,
                                     GaussianNoise noise, PrivacyLedger ledger, Consumer<String> progress) {
        int chunks = data.chunks();
        // ‖[x_i, 1]‖ does not change across steps: computed once, n numbers per source.
        List<INDArray> inputNorms = new ArrayList<>(chunks);
        List<FeatureSource.Chunk> resident = new ArrayList<>(chunks);
        List<INDArray> scratch = new ArrayList<>(chunks);
        boolean keep = chunks == 1;
        for (int c = 0; c < chunks; c++) {
            FeatureSource.Chunk chunk = data.chunk(c);
            Inputs.checkFeatures(chunk.features(), "features (chunk " + c + ")");
            Inputs.checkOneHot(chunk.labels(), chunk.features().size(0), data.classes());
            inputNorms.add(head.inputNorms(chunk.features()));
            scratch.add(keep ? Nd4j.create(head.dataType(), new long[] {chunk.features().size(0), head.classes()}, 'c')
                    : null);
            if (keep) {
                resident.add(chunk);
            }
        }
        DpEvent event = GaussianEvent.of(sigma);
        long first = ledger.nextStep(config.mechanism());
        double std = sigma * config.clipNorm();
        double n = data.size();
        INDArray sumW = Nd4j.zeros(head.dataType(), head.inputs(), head.classes());
        INDArray sumB = head.hasBias() ? Nd4j.zeros(head.dataType(), 1, head.classes()) : null;
        Momentum momentum = new Momentum(head, config.momentum());
        for (long t = 0; t < config.steps(); t++) {
            record(ledger, config.mechanism(), event, first + t);
            sumW.assign(0);
            if (sumB != null) {
                sumB.assign(0);
            }
            for (int c = 0; c < chunks; c++) {
                FeatureSource.Chunk chunk = keep ? resident.get(c) : data.chunk(c);
                head.accumulateClippedSum(chunk.features(), chunk.labels(), inputNorms.get(c), config.clipNorm(),
                        sumW, sumB, scratch.get(c));
            }
            addNoise(noise, std, sumW, sumB);
            momentum.apply(sumW.divi(n), sumB == null ? null : sumB.divi(n),
                    config.learningRate().rate(t, config.steps()));
            reportProgress(progress, t, config.steps());
        }
    }

    private static String runPoisson(PrivateLinearHead head, FeatureSource data, HeadConfig config, double q,
                                     double sigma, GaussianNoise noise, PrivacyLedger ledger,
                                     Consumer<String> progress) {
        if (data.size() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("Poisson mode indexes rows with int: " + data.size() + " rows are too many");
        }
        // dp-core's Poisson sampler draws which rows a step uses; it needs an in-memory dataset, so it gets one of
        // n placeholder rows and only the drawn indices are used. The rows themselves come from the source, which
        // may be an on-disk cache far larger than memory: each step reads about q·n rows, never the whole cache.
        // Refuse bad rows before the first step is recorded: one pass over the source (as full batch does), so
        // that a NaN feature or a broken label fails the run cleanly instead of after some steps were spent.
        for (int c = 0; c < data.chunks(); c++) {
            FeatureSource.Chunk chunk = data.chunk(c);
            Inputs.checkFeatures(chunk.features(), "features (chunk " + c + ")");
            Inputs.checkOneHot(chunk.labels(), chunk.features().size(0), data.classes());
        }
        int n = (int) data.size();
        InMemoryDataset rowIds = InMemoryDataset.of(Nd4j.zeros(DataType.FLOAT, n, 1), Nd4j.zeros(DataType.FLOAT, n, 1));
        PoissonSampler sampler = config.seed() == null ? PoissonSampler.secure(rowIds, q)
                : PoissonSampler.seeded(rowIds, q, config.seed() ^ 0x5DEECE66DL);
        DpEvent event = sampler.stepEvent(sigma);
        long first = ledger.nextStep(config.mechanism());
        double std = sigma * config.clipNorm();
        double divisor = sampler.normalizer();
        INDArray sumW = Nd4j.zeros(head.dataType(), head.inputs(), head.classes());
        INDArray sumB = head.hasBias() ? Nd4j.zeros(head.dataType(), 1, head.classes()) : null;
        Momentum momentum = new Momentum(head, config.momentum());
        for (long t = 0; t < config.steps(); t++) {
            record(ledger, config.mechanism(), event, first + t);
            Batch batch = sampler.next();
            sumW.assign(0);
            if (sumB != null) {
                sumB.assign(0);
            }
            // An empty batch still releases noise and still counts: skipping it would change the analysis.
            if (!batch.isEmpty()) {
                FeatureSource.Chunk rows = data.rows(batch.indices());
                Inputs.checkFeatures(rows.features(), "features (step " + t + ")");
                Inputs.checkOneHot(rows.labels(), rows.features().size(0), data.classes());
                head.accumulateClippedSum(rows.features(), rows.labels(), null, config.clipNorm(), sumW, sumB, null);
                // rows(...) gathers a fresh copy of the sampled rows (b·d values): free it now, or these off-heap
                // copies accumulate until a Java GC happens to run (tens of GB for large feature matrices).
                if (!rows.features().isView()) {
                    PrivateLinearHead.release(rows.features());
                }
                if (!rows.labels().isView()) {
                    PrivateLinearHead.release(rows.labels());
                }
            }
            addNoise(noise, std, sumW, sumB);
            momentum.apply(sumW.divi(divisor), sumB == null ? null : sumB.divi(divisor),
                    config.learningRate().rate(t, config.steps()));
            reportProgress(progress, t, config.steps());
        }
        return sampler.description() + "; rows read from " + data.describe();
    }

    private static void record(PrivacyLedger ledger, String mechanism, DpEvent event, long step) {
        try {
            ledger.append(mechanism, event, step, 1);
        } catch (IOException e) {
            throw new UncheckedIOException("could not record step " + step + " of " + mechanism
                    + " in the ledger; training stopped before that step released anything", e);
        }
    }

    private static void addNoise(GaussianNoise noise, double std, INDArray sumW, INDArray sumB) {
        // Independent noise on each coordinate: adding it to W and b separately is the same as to their concatenation.
        noise.addTo(sumW, std);
        if (sumB != null) {
            noise.addTo(sumB, std);
        }
    }

    private static void reportProgress(Consumer<String> progress, long t, long total) {
        long every = Math.max(1, total / 10);
        if ((t + 1) % every == 0 || t + 1 == total) {
            progress.accept(String.format(Locale.ROOT, "head: step %d/%d", t + 1, total));
        }
    }

    /** Heavy-ball momentum on the noisy averaged gradient; with β = 0 plain gradient descent. */
    private static final class Momentum {
        private final PrivateLinearHead head;
        private final double beta;
        private final INDArray vW;
        private final INDArray vB;

        Momentum(PrivateLinearHead head, double beta) {
            this.head = head;
            this.beta = beta;
            this.vW = beta > 0 ? Nd4j.zeros(head.dataType(), head.inputs(), head.classes()) : null;
            this.vB = beta > 0 && head.hasBias() ? Nd4j.zeros(head.dataType(), 1, head.classes()) : null;
        }

        void apply(INDArray gW, INDArray gB, double lr) {
            if (beta == 0) {
                head.step(gW, gB, lr);
                return;
            }
            vW.muli(beta).addi(gW);
            if (vB != null) {
                vB.muli(beta).addi(gB);
            }
            head.step(vW, vB, lr);
        }
    }
}
