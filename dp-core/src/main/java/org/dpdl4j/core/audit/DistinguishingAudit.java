package org.dpdl4j.core.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.accountant.audit.ClopperPearsonAudit;
import org.dpdl4j.core.training.DpSgdConfig;
import org.dpdl4j.core.training.DpSgdTrainer;
import org.dpdl4j.core.training.PrivacyReport;
import org.dpdl4j.core.training.SamplingMode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The classic two-dataset audit with Clopper–Pearson intervals (Jagielski et al. 2020; Nasr et al. 2021)
 * on a tiny model, through the unchanged trainer: many trials on D and on its neighbour D' = D + one
 * target record, a distinguisher scores each trial, and {@link ClopperPearsonAudit} turns the error
 * rates into a lower bound on ε at the stated confidence.
 *
 * <p>The model is the two-class softmax layer without bias of {@link DiracCanaryAudit}, with d inputs.
 * D holds N records whose input is zero (their gradient is exactly zero, the weakest possible
 * background); the target's input is a·e₀ with label 0, a Dirac canary on row 0 whose clipped gradient
 * is exactly C·(−1, 1)/√2. Rows 1..d−1 receive noise only: they let a distinguisher read the noise
 * scale of every released step.
 *
 * <p>A trial is either a whole training run ({@code perStep(false)}: the claim is the run's ε) or one
 * step of a long run on each dataset ({@code perStep(true)}: the claim is one step's ε). The per-step
 * mode is valid because the target's clipped gradient does not depend on the parameters and every step
 * draws fresh Poisson coins and fresh noise, so the steps are independent trials of the same one-step
 * mechanism; it costs one step per trial instead of one run.
 *
 * <p>Privacy assumption: the audited claim is the configured accountant's ε for the trainer's own
 * accounting events (the larger of D's and D''s, which differ through q = b/N). The distinguisher and
 * its thresholds are fixed before the trials (trying several is paid for by a Bonferroni correction).
 */
public final class DistinguishingAudit {

    private DistinguishingAudit() {
    }

    /**
     * What a distinguisher sees of one trial: the released gradient of every step of the trial, in units
     * of the clip norm C after multiplying by the public normaliser (q·N with D's N, or D's N in full-batch
     * mode), so that under the standard release each coordinate carries noise of std σ.
     *
     * <p>Privacy assumption: these are exactly the values the trainer released (parameter changes divided
     * by the learning rate), rescaled by public constants common to D and D'; nothing says which dataset
     * produced them.
     *
     * @param steps [step][row][class]; row 0 is the target's row
     * @param sigma the configured noise multiplier σ
     * @param neighbourSamplingRate the target's inclusion probability per step in D' (1 for full batch)
     * @param normalizer the public normaliser the units were scaled by
     * @param others N, the number of records in D
     */
    public record Release(double[][][] steps, double sigma, double neighbourSamplingRate, double normalizer, int others) {
    }

    /**
     * Scores one trial; higher means "this was D'".
     *
     * <p>Privacy assumption: the score depends on the release alone and is fixed before the trials (the
     * Clopper–Pearson bound assumes the test was not tuned on the trials it is evaluated on).
     */
    public interface Distinguisher {

        double score(Release release);

        /** Short description for the result. */
        String description();

        /**
         * The log-likelihood ratio of the target's Dirac coordinate, Σ_t log(1 − q + q·exp((x_t − ½)/σ̂²)), with
         * the noise scale σ̂ measured on the rows no record touches (their RMS over the trial) rather than
         * taken from the configuration: the optimal test when the release is what the accounting assumes,
         * and one that adapts when a release carries less noise than claimed.
         */
        static Distinguisher targetLikelihoodRatio() {
            return new Distinguisher() {
                @Override
                public double score(Release r) {
                    double[] x = new double[r.steps().length];
                    double sq = 0;
                    int n = 0;
                    for (int t = 0; t < x.length; t++) {
                        double[][] step = r.steps()[t];
                        x[t] = (step[0][1] - step[0][0]) / Math.sqrt(2);
                        for (int row = 1; row < step.length; row++) {
                            for (double v : step[row]) {
                                sq += v * v;
                                n++;
                            }
                        }
                    }
                    double sigma = n > 0 && sq > 0 ? Math.sqrt(sq / n) : r.sigma();
                    return CanaryScores.subsampledGaussianLogLikelihoodRatio(x, r.neighbourSamplingRate(), sigma);
                }

                @Override
                public String description() {
                    return "log-likelihood ratio of the target's Dirac coordinate, noise scale measured on untouched rows";
                }
            };
        }

        /**
         * The largest batch size implied by any step's noise scale: σ·(normaliser)/ŝ_t, with ŝ_t the RMS of
         * the rows no record touches. Under the standard release it is the fixed normaliser at every step;
         * a release divided by the realised batch size K reveals K, and K = N + 1 is impossible on D.
         */
        static Distinguisher impliedBatchSize() {
            return new Distinguisher() {
                @Override
                public double score(Release r) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (double[][] step : r.steps()) {
                        double sq = 0;
                        int n = 0;
                        for (int row = 1; row < step.length; row++) {
                            for (double v : step[row]) {
                                sq += v * v;
                                n++;
                            }
                        }
                        if (n == 0) {
                            throw new IllegalArgumentException("the implied batch size needs noise-only rows: use d >= 2");
                        }
                        max = Math.max(max, r.sigma() * r.normalizer() / Math.sqrt(sq / n));
                    }
                    return max;
                }

                @Override
                public String description() {
                    return "largest batch size implied by a step's noise scale (sigma / RMS of untouched rows)";
                }
            };
        }
    }

    /** Audits the production trainer. */
    public static DistinguishingAuditResult run(Config config, DpSgdConfig training, Distinguisher distinguisher) {
        return run(config, training, distinguisher, TrainerFactory.PRODUCTION);
    }

    /**
     * Runs the trials and bounds ε.
     *
     * @param training the configuration under audit (POISSON or FULL_BATCH); it must not name a ledger,
     *     since every run needs its own: each gets a temporary ledger that is deleted afterwards; with
     *     independent runs ({@code perStep(false)}) it must be in secure mode, since seeded runs would repeat
     */
    public static DistinguishingAuditResult run(Config config, DpSgdConfig training, Distinguisher distinguisher,
                                                TrainerFactory trainers) {
        Objects.requireNonNull(config, "audit configuration");
        Objects.requireNonNull(training, "training configuration");
        Objects.requireNonNull(distinguisher, "distinguisher");
        Objects.requireNonNull(trainers, "trainer factory");
        if (training.sampling() == SamplingMode.FIXED_SIZE) {
            throw new IllegalArgumentException("D and D' differ by adding one record (add/remove-one); fixed-size "
                    + "sampling is accounted under replace-one: audit POISSON or FULL_BATCH");
        }
        if (training.ledgerPath() != null) {
            throw new IllegalArgumentException("leave the ledger unset: every trial needs a fresh ledger, so the audit "
                    + "gives each a temporary one and deletes it");
        }
        if (!config.perStep() && !training.secure()) {
            throw new IllegalArgumentException("independent runs need independent noise, but every run with the seed "
                    + training.seed() + " would repeat the same noise and batches: audit in secure mode, or use perStep(true)");
        }
        boolean full = training.sampling() == SamplingMode.FULL_BATCH;
        int n = config.others();
        if (!full && training.expectedBatchSize() > n) {
            throw new IllegalArgumentException("expected batch size " + training.expectedBatchSize() + " exceeds D's "
                    + n + " records");
        }
        double normalizer = full ? n : training.expectedBatchSize();
        double neighbourQ = full ? 1.0 : training.expectedBatchSize() / (n + 1);
        DataSet onD = dataset(config, false);
        DataSet onNeighbour = dataset(config, true);
        Side d = side(config, training, distinguisher, trainers, onD, normalizer, neighbourQ);
        Side dn = side(config, training, distinguisher, trainers, onNeighbour, normalizer, neighbourQ);
        ClopperPearsonAudit.Result r = ClopperPearsonAudit.epsilonLowerBound(d.scores, dn.scores, config.thresholds(),
                training.delta(), config.significance());
        double claim = Math.max(d.claim, dn.claim);
        List<String> notes = new ArrayList<>();
        notes.add(String.format(Locale.ROOT, "claims: %.4f on D (N=%d), %.4f on D' (N=%d); %s", d.claim, n, dn.claim,
                n + 1, config.perStep() ? "per-step trials, the claim is one step's epsilon"
                        : "whole-run trials, the claim is one run's epsilon"));
        String audit = "two-dataset Clopper-Pearson audit (" + distinguisher.description() + "), tiny softmax model, "
                + (config.perStep() ? "one trial per step" : "one trial per training run");
        return new DistinguishingAuditResult(audit, claim, training.delta(), r.epsilon(), config.significance(),
                config.trials(), r.threshold(), r.falsePositives(), r.falseNegatives(), d.mechanism, notes);
    }

    private record Side(double[] scores, double claim, String mechanism) {
    }

    private static Side side(Config config, DpSgdConfig training, Distinguisher distinguisher, TrainerFactory trainers,
                             DataSet data, double normalizer, double neighbourQ) {
        double[] scores = new double[config.trials()];
        double claim = Double.NaN;
        String mechanism = null;
        int runs = config.perStep() ? 1 : config.trials();
        for (int run = 0; run < runs; run++) {
            MultiLayerNetwork net = DiracCanaryAudit.network(config.inputs());
            DpSgdTrainer trainer = trainers.create(net, data, training);
            Path ledger = trainer.ledger().file();
            try {
                long steps = config.perStep() ? config.trials() : (long) training.epochs() * trainer.stepsPerEpoch();
                double sigma = trainer.noiseMultiplier();
                double lr = DiracCanaryAudit.learningRate(neighbourQ, normalizer, training.clipping().sensitivity(), sigma,
                        steps, config.canaryScale());
                net.setLearningRate(lr);
                ParameterDeltaRecorder recorder = new ParameterDeltaRecorder(net.getLayer(0).getParam("W"), 0,
                        config.inputs());
                net.addListeners(recorder);
                if (config.perStep()) {
                    for (long t = 0; t < steps; t++) {
                        if (!trainer.step()) {
                            throw new IllegalStateException("the trainer refused step " + t + " (budget?): remove the budget "
                                    + "from the audited configuration");
                        }
                    }
                    claim = training.accountant().create().epsilon(trainer.stepEvent(), training.delta()).epsilon();
                } else {
                    trainer.fit();
                    if (run == 0) {
                        claim = trainer.epsilon();
                    }
                }
                double scale = normalizer / (lr * training.clipping().sensitivity());
                List<double[][]> deltas = recorder.deltas();
                if (config.perStep()) {
                    for (int t = 0; t < deltas.size(); t++) {
                        scores[t] = distinguisher.score(new Release(new double[][][] {scaled(deltas.get(t), scale)}, sigma,
                                neighbourQ, normalizer, config.others()));
                    }
                } else {
                    double[][][] all = new double[deltas.size()][][];
                    for (int t = 0; t < all.length; t++) {
                        all[t] = scaled(deltas.get(t), scale);
                    }
                    scores[run] = distinguisher.score(new Release(all, sigma, neighbourQ, normalizer, config.others()));
                }
                if (mechanism == null) {
                    PrivacyReport rep = trainer.report();
                    mechanism = String.format(Locale.ROOT, "%s accountant, sigma=%.4f, %s, %s, %d steps per %s%s",
                            rep.accountant(), rep.noiseMultiplier(), rep.clipping(), rep.sampling(), steps,
                            config.perStep() ? "dataset" : "run", rep.secure() ? "" : ", SEEDED noise");
                }
            } finally {
                trainer.close();
                try {
                    Files.deleteIfExists(ledger);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot delete the trial's temporary ledger " + ledger, e);
                }
            }
        }
        return new Side(scores, claim, mechanism);
    }

    private static double[][] scaled(double[][] delta, double scale) {
        double[][] out = new double[delta.length][];
        for (int i = 0; i < delta.length; i++) {
            out[i] = Arrays.copyOf(delta[i], delta[i].length);
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] *= scale;
            }
        }
        return out;
    }

    /** D: N zero-input records of class 0; D': the same plus the target a·e₀ of class 0. */
    private static DataSet dataset(Config config, boolean withTarget) {
        int rows = config.others() + (withTarget ? 1 : 0);
        INDArray x = Nd4j.zeros(DataType.DOUBLE, rows, config.inputs());
        INDArray y = Nd4j.zeros(DataType.DOUBLE, rows, 2);
        for (int i = 0; i < rows; i++) {
            y.putScalar(i, 0, 1.0);
        }
        if (withTarget) {
            x.putScalar(rows - 1, 0, config.canaryScale());
        }
        return new DataSet(x, y);
    }

    /**
     * Immutable settings of a two-dataset audit, built with a validating builder.
     *
     * <p>Privacy assumption: none from the pipeline; the audit assumes the thresholds were fixed before
     * the trials.
     */
    public static final class Config {
        private final int trials;
        private final boolean perStep;
        private final int others;
        private final int inputs;
        private final double canaryScale;
        private final double significance;
        private final double[] thresholds;

        private Config(Builder b) {
            trials = b.trials;
            perStep = b.perStep;
            others = b.others;
            inputs = b.inputs;
            canaryScale = b.canaryScale;
            significance = b.significance;
            thresholds = b.thresholds.clone();
        }

        public static Builder builder() {
            return new Builder();
        }

        /** Trials per dataset. */
        public int trials() {
            return trials;
        }

        /** Whether each step is a trial (one run per dataset) rather than each run. */
        public boolean perStep() {
            return perStep;
        }

        /** N, the records of D. */
        public int others() {
            return others;
        }

        /** d, the model's inputs (rows of W): row 0 is the target's, the rest only ever receive noise. */
        public int inputs() {
            return inputs;
        }

        /** The target's input magnitude a. */
        public double canaryScale() {
            return canaryScale;
        }

        public double significance() {
            return significance;
        }

        /** Score thresholds above which a trial is called D'; a copy. */
        public double[] thresholds() {
            return thresholds.clone();
        }

        /** Builder with validation on every setter and on {@link #build()}. */
        public static final class Builder {
            private int trials;
            private boolean perStep;
            private int others = 10;
            private int inputs = 1000;
            private double canaryScale = 10;
            private double significance = 0.05;
            private double[] thresholds;

            private Builder() {
            }

            /** Trials per dataset, ≥ 1. */
            public Builder trials(int n) {
                if (n < 1) {
                    throw new IllegalArgumentException("need at least one trial per dataset, got " + n);
                }
                this.trials = n;
                return this;
            }

            /** One trial per step of one long run per dataset (true) or one per independent run (false, default). */
            public Builder perStep(boolean perStep) {
                this.perStep = perStep;
                return this;
            }

            /** N ≥ 1 background records in D (default 10). */
            public Builder others(int n) {
                if (n < 1) {
                    throw new IllegalArgumentException("D needs at least one record (the trainer refuses empty data), got " + n);
                }
                this.others = n;
                return this;
            }

            /** d ≥ 2 model inputs (default 1000); more noise-only rows measure the noise scale more precisely. */
            public Builder inputs(int d) {
                if (d < 2) {
                    throw new IllegalArgumentException("need the target's row and at least one noise-only row, got d=" + d);
                }
                this.inputs = d;
                return this;
            }

            /** The target's input magnitude a (default 10); it must exceed 2√2·C. */
            public Builder canaryScale(double a) {
                if (!(a > 0) || Double.isInfinite(a)) {
                    throw new IllegalArgumentException("canary scale must be a finite number > 0, got " + a);
                }
                this.canaryScale = a;
                return this;
            }

            public Builder significance(double level) {
                if (!(level > 0 && level <= 0.5)) {
                    throw new IllegalArgumentException("significance must be in (0, 0.5], got " + level);
                }
                this.significance = level;
                return this;
            }

            /** Thresholds, fixed before the trials; several are paid for with a Bonferroni correction. */
            public Builder thresholds(double... t) {
                if (t == null || t.length == 0) {
                    throw new IllegalArgumentException("give at least one threshold");
                }
                for (double v : t) {
                    if (Double.isNaN(v)) {
                        throw new IllegalArgumentException("thresholds must not be NaN");
                    }
                }
                this.thresholds = t.clone();
                return this;
            }

            public Config build() {
                if (trials < 1) {
                    throw new IllegalArgumentException("set the number of trials per dataset: trials(n)");
                }
                if (thresholds == null) {
                    throw new IllegalArgumentException("set the distinguisher's thresholds: thresholds(t...)");
                }
                return new Config(this);
            }
        }
    }
}
