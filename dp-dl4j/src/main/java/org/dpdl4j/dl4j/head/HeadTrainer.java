package org.dpdl4j.dl4j.head;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import org.dpdl4j.core.training.PrivacyReport;
import org.dpdl4j.dl4j.features.FeatureSource;
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
 * rows ({@link FeatureSource#rows}), so a cache larger than memory costs about q·n row reads per step. Rows
 * on a cluster come in through {@link HeadData} (dp-spark's {@code SparkHeadData}): only the clipped sums are
 * computed there; everything below runs here, in this class, for both.
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
        return train(HeadData.of(data), config, ledger, progress);
    }

    /**
     * As {@link #train(FeatureSource, HeadConfig, PrivacyLedger, Consumer)} on rows that may live elsewhere
     * (dp-spark's distributed features): the clipped sums come from {@code data}, and the calibration,
     * ledger, noise and update run here, exactly as for rows on this machine.
     */
    public static HeadResult train(HeadData data, HeadConfig config, PrivacyLedger ledger, Consumer<String> progress) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(ledger, "ledger: every private step must be recorded");
        Objects.requireNonNull(progress, "progress");
        if (data.size() < 1) {
            throw new IllegalArgumentException("the feature source has no rows: private training needs at least one "
                    + "example; check that the source (e.g. a feature cache or a filter) produced any");
        }
        PrivateLinearHead head = config.initialHead() != null ? config.initialHead()
                : PrivateLinearHead.zeros(data.dimension(), data.classes(), config.bias(), data.dataType());
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
        try (HeadData.Steps steps = data.start(config.mode(), q, config.seed())) {
            run(head, steps, config, stepEvent(config.mode(), q, sigma), q * data.size(), sigma, noise, ledger,
                    progress);
            sampling = steps.sampling();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        EpsilonResult eps = ledger.epsilon(accountant, config.delta());
        List<String> notes = PrivacyReport.notes(eps, priorEpsilon, noise.secure());
        PrivacyReport report = new PrivacyReport(eps.epsilon(), config.delta(), eps.accountant(), config.steps(), sigma,
                "flat clip C=" + config.clipNorm() + " of each example's whole head gradient (closed form)", sampling,
                noise.secure(), ledger.file(), ledger.headHash(), false, notes);
        progress.accept(String.format(Locale.ROOT, "head: done in %.1f s; %s", seconds, report));
        return new HeadResult(head, report, priorEpsilon, seconds);
    }

    static DpEvent stepEvent(HeadMode mode, double q, double sigma) {
        return mode == HeadMode.FULL_BATCH ? GaussianEvent.of(sigma) : PoissonSampledEvent.gaussian(q, sigma);
    }

    /**
     * The step loop, the same for every {@link HeadData}: record, clipped sum, noise N(0, σ²C²) on every
     * coordinate, divide by the fixed divisor (n for full batch, q·n for Poisson), momentum and learning rate.
     */
    private static void run(PrivateLinearHead head, HeadData.Steps steps, HeadConfig config, DpEvent event,
                            double divisor, double sigma, GaussianNoise noise, PrivacyLedger ledger,
                            Consumer<String> progress) {
        long first = ledger.nextStep(config.mechanism());
        double std = sigma * config.clipNorm();
        INDArray sumW = Nd4j.zeros(head.dataType(), head.inputs(), head.classes());
        INDArray sumB = head.hasBias() ? Nd4j.zeros(head.dataType(), 1, head.classes()) : null;
        Momentum momentum = new Momentum(head, config.momentum());
        for (long t = 0; t < config.steps(); t++) {
            record(ledger, config.mechanism(), event, first + t);
            sumW.assign(0);
            if (sumB != null) {
                sumB.assign(0);
            }
            steps.addClippedSum(head, t, config.clipNorm(), sumW, sumB);
            addNoise(noise, std, sumW, sumB);
            momentum.apply(sumW.divi(divisor), sumB == null ? null : sumB.divi(divisor),
                    config.learningRate().rate(t, config.steps()));
            reportProgress(progress, t, config.steps());
        }
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
