package org.dpdl4j.core.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.dpdl4j.accountant.audit.OneRunAudit;
import org.dpdl4j.core.training.DpSgdConfig;
import org.dpdl4j.core.training.DpSgdTrainer;
import org.dpdl4j.core.training.PrivacyReport;
import org.dpdl4j.core.training.SamplingMode;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * One-run white-box audit of DP-SGD with Dirac gradient canaries (Steinke, Nasr &amp; Jagielski 2023),
 * run through the unchanged production trainer.
 *
 * <p><b>Design: real canaries on reserved parameters.</b> The audited model is a two-class softmax
 * layer without bias, {@code z = x·W}, over the caller's d real features plus m reserved input
 * columns, one per canary. Canary i is an ordinary training record whose input is a·e_{d+i} (zero on
 * every real feature) with a random label c_i. Its per-example gradient is nonzero on row d+i of W
 * only, and there equals a·(p − y) = ±a(1 − p_{c_i})·(−1, 1): always along the same fixed unit vector
 * v_{c_i} = ±(−1, 1)/√2. With a·(1 − p_c)·√2 &gt; C, clipping scales it to exactly C·v_{c_i}: a Dirac
 * canary, one coordinate (in the rotated basis of its own row) that no other record touches. Real
 * records have zeros in the reserved columns, so their gradients never touch reserved rows.
 * No hook in the trainer is needed: sampling, per-example gradients, clipping, noise, normaliser,
 * updater and ledger are exactly what {@link DpSgdTrainer#fit()} runs for any user. The alternative of
 * injecting synthetic gradients through a trainer hook was rejected because it would audit the hook's
 * path rather than the product's, and would need canary sampling outside the real sampler.
 *
 * <p><b>Scoring.</b> Every intermediate update is released in the DP-SGD threat model, so the auditor
 * reads each step's change of the reserved rows (plain SGD: learning rate × released gradient),
 * projects row d+i on v_{c_i} and rescales to units of C: x_{i,t} = b_{i,t} + σ·Z under the standard
 * release, where b_{i,t} = 1 when the canary was sampled at step t. The noise scale σ̂ is estimated
 * from these values themselves (a median of |x|), and the score is the log-likelihood ratio of the
 * Poisson-subsampled Gaussian, Σ_t log(1 − q + q·exp((x_{i,t} − ½)/σ̂²)); in full-batch mode it is the
 * sum Σ_t x_{i,t}. The top-k scores are guessed "included" and {@link OneRunAudit} turns r guesses
 * with v right into the 95% lower bound on ε. Estimating σ̂ from the release rather than taking σ
 * from the configuration is what lets the audit see noise that is smaller than claimed.
 *
 * <p>The learning rate is set from public quantities so that canary logits stay small and every
 * canary's gradient stays above C for the whole run (checked; a note reports canaries that left the
 * clipped regime, which costs power, never validity).
 *
 * <p>Privacy assumption: the audited claim is the trainer's own {@link DpSgdTrainer#epsilon()} for
 * its add/remove-one accounting (Poisson or full-batch sampling); the one-run audit tests that claim
 * for every canary. What it cannot see is documented in {@code docs/threat-model.md}: in particular a
 * leak that is common to all canaries (such as dividing by the realised batch size) is invisible to
 * per-canary scores and needs {@link DistinguishingAudit}.
 */
public final class DiracCanaryAudit {

    private DiracCanaryAudit() {
    }

    /** Audits the production trainer ({@link DpSgdTrainer#makePrivate}). */
    public static AuditResult run(DataSet realData, DpSgdConfig training, CanaryAuditConfig audit) {
        return run(realData, training, audit, TrainerFactory.PRODUCTION);
    }

    /**
     * Inserts each of m Dirac canaries with probability ½ into {@code realData}, trains the audit network
     * once for {@code training.epochs()} epochs with the trainer {@code trainers} builds, and bounds ε.
     *
     * @param realData features [n, d] and one-hot labels [n, 2] (n may be 0 rows only if canaries suffice)
     * @param training the DP-SGD configuration under audit: POISSON or FULL_BATCH sampling; its ledger,
     *     if set, must be fresh, since the claim is everything that ledger records
     * @param audit canary count, guesses, confidence, canary magnitude and the auditor's coins
     * @throws IllegalArgumentException for fixed-size sampling (replace-one accounting, which an
     *     insert-or-omit audit does not test), labels that are not two-class, or canaries too small to be clipped
     */
    public static AuditResult run(DataSet realData, DpSgdConfig training, CanaryAuditConfig audit,
                                  TrainerFactory trainers) {
        java.util.Objects.requireNonNull(trainers, "trainer factory");
        Prepared p = prepare(realData, training, audit);
        MultiLayerNetwork net = network(p.d + p.m);
        ParameterDeltaRecorder recorder;
        PrivacyReport report;
        double lr;
        try (DpSgdTrainer trainer = trainers.create(net, p.data, training)) {
            long steps = (long) training.epochs() * trainer.stepsPerEpoch();
            lr = learningRate(p, training, trainer.noiseMultiplier(), steps, audit.canaryScale());
            net.setLearningRate(lr);
            recorder = new ParameterDeltaRecorder(net.getLayer(0).getParam("W"), p.d, p.d + p.m);
            net.addListeners(recorder);
            trainer.fit();
            report = trainer.report();
        }
        double[][] x = projections(recorder.deltas(), p, lr, training.clipping().sensitivity());
        double sigmaHat = CanaryScores.robustNoiseStd(x);
        double[] scores = new double[p.m];
        for (int i = 0; i < p.m; i++) {
            scores[i] = CanaryScores.subsampledGaussianLogLikelihoodRatio(x[i], p.q, sigmaHat);
        }
        List<String> notes = new ArrayList<>();
        notes.add(String.format(Locale.ROOT, "noise std estimated from the release: %.4f x C per step (configured "
                + "sigma %.4f); sampling rate q=%.5f; %d steps", sigmaHat, report.noiseMultiplier(), p.q,
                recorder.deltas().size()));
        int unclipped = canariesBelowClipNorm(net, p, audit.canaryScale(), training.clipping().sensitivity());
        if (unclipped > 0) {
            notes.add(unclipped + " canaries ended with a gradient below the clip norm (their last steps carried "
                    + "less than C: the bound stays valid, with less power)");
        }
        return finish("one-run white-box audit, Dirac canaries on reserved parameters, DP-SGD trainer", scores, p.draw,
                audit, report, notes);
    }

    static AuditResult finish(String audit, double[] scores, CanaryDraw draw, CanaryAuditConfig config,
                              PrivacyReport report, List<String> notes) {
        int[] g = OneRunAudit.guess(scores, draw.included(), config.guessIncluded(), config.guessExcluded());
        double bound = OneRunAudit.epsilonLowerBound(report.delta(), draw.size(), g[0], g[1], config.significance());
        String mechanism = String.format(Locale.ROOT, "%s accountant, sigma=%.4f, %s, %s, %d steps%s", report.accountant(),
                report.noiseMultiplier(), report.clipping(), report.sampling(), report.steps(),
                report.secure() ? "" : ", SEEDED noise");
        return new AuditResult(audit, report.epsilon(), report.delta(), bound, config.significance(), draw.size(),
                draw.includedCount(), g[0], g[1], mechanism, notes);
    }

    /** The dataset with the included canaries appended, and what scoring needs to know. */
    private record Prepared(DataSet data, CanaryDraw draw, int n, int d, int m, double q, double normalizer) {
    }

    private static Prepared prepare(DataSet realData, DpSgdConfig training, CanaryAuditConfig audit) {
        java.util.Objects.requireNonNull(realData, "real data");
        java.util.Objects.requireNonNull(training, "training configuration");
        java.util.Objects.requireNonNull(audit, "audit configuration");
        if (training.sampling() == SamplingMode.FIXED_SIZE) {
            throw new IllegalArgumentException("the one-run audit inserts or omits canaries, an add/remove-one "
                    + "experiment, but fixed-size sampling is accounted under replace-one; audit POISSON or FULL_BATCH");
        }
        INDArray fx = realData.getFeatures();
        INDArray fy = realData.getLabels();
        if (fx == null || fy == null || fx.rank() != 2 || fy.rank() != 2 || fx.size(0) != fy.size(0)) {
            throw new IllegalArgumentException("real data must have features [n, d] and one-hot labels [n, 2]");
        }
        if (fy.size(1) != 2) {
            throw new IllegalArgumentException("the Dirac audit network is a two-class softmax: labels must be [n, 2], got "
                    + fy.size(1) + " columns");
        }
        double c = training.clipping().sensitivity();
        if (audit.canaryScale() <= 2 * Math.sqrt(2) * c) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "canary scale %.4g is too small: a canary's "
                    + "gradient a*(1-p)*sqrt(2) must exceed the clip norm %.4g; use a > %.4g", audit.canaryScale(), c,
                    2 * Math.sqrt(2) * c));
        }
        int n = (int) fx.size(0);
        int d = (int) fx.size(1);
        int m = audit.canaries();
        CanaryDraw draw = CanaryDraw.draw(m, 2, audit.seed());
        int[] labels = draw.labels();
        boolean[] in = draw.included();
        long total = (long) n + draw.includedCount();
        if (total == 0) {
            throw new IllegalArgumentException("no real records and no canary was drawn in: nothing to train on");
        }
        INDArray x = Nd4j.zeros(DataType.DOUBLE, total, d + m);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, total, 2);
        if (n > 0) {
            x.get(NDArrayIndex.interval(0, n), NDArrayIndex.interval(0, d)).assign(fx.castTo(DataType.DOUBLE));
            y.get(NDArrayIndex.interval(0, n), NDArrayIndex.all()).assign(fy.castTo(DataType.DOUBLE));
        }
        int row = n;
        for (int i = 0; i < m; i++) {
            if (in[i]) {
                x.putScalar(row, d + i, audit.canaryScale());
                y.putScalar(row, labels[i], 1.0);
                row++;
            }
        }
        boolean full = training.sampling() == SamplingMode.FULL_BATCH;
        double q = full ? 1.0 : training.expectedBatchSize() / total;
        double normalizer = full ? total : training.expectedBatchSize();
        return new Prepared(new DataSet(x, y), draw, n, d, m, q, normalizer);
    }

    /** The audit network: softmax over two classes, no bias, zero initial weights, plain SGD, double precision. */
    static MultiLayerNetwork network(int inputs) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE)
                .updater(new Sgd(1.0)).weightInit(WeightInit.ZERO).list()
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(inputs).nOut(2).activation(Activation.SOFTMAX)
                        .hasBias(false).build())
                .build());
        net.init();
        return net;
    }

    /**
     * A learning rate, from public quantities only, that keeps a canary's logit |a·(W_r0 − W_r1)| below
     * about ½ under the expected signal plus four standard deviations of noise, so p stays within
     * sigmoid(±½) and the canary's gradient a·(1 − p)·√2 ≥ 0.38·√2·a stays above C (a &gt; 2√2·C is checked).
     */
    private static double learningRate(Prepared p, DpSgdConfig training, double sigma, long steps, double a) {
        return learningRate(p.q, p.normalizer, training.clipping().sensitivity(), sigma, steps, a);
    }

    static double learningRate(double q, double normalizer, double c, double sigma, long steps, double a) {
        double drift = q * steps + 4 * Math.max(sigma, 1e-3) * Math.sqrt(steps) + 1;
        return 0.5 * normalizer / (a * Math.sqrt(2) * c * drift);
    }

    /** x[i][t] = ⟨row d+i's step-t change, v_{c_i}⟩ · normaliser / (lr · C): b_{i,t} + σZ under the standard release. */
    private static double[][] projections(List<double[][]> deltas, Prepared p, double lr, double c) {
        int[] labels = p.draw.labels();
        double[][] x = new double[p.m][deltas.size()];
        double scale = p.normalizer / (lr * c * Math.sqrt(2));
        for (int t = 0; t < deltas.size(); t++) {
            double[][] dW = deltas.get(t);
            for (int i = 0; i < p.m; i++) {
                // label 0: the canary pushes W_r along (+1, −1) (prev − now along (−1, +1)); label 1 the opposite.
                double along = dW[i][1] - dW[i][0];
                x[i][t] = (labels[i] == 0 ? along : -along) * scale;
            }
        }
        return x;
    }

    private static int canariesBelowClipNorm(MultiLayerNetwork net, Prepared p, double a, double c) {
        double[] w = net.getLayer(0).getParam("W").get(NDArrayIndex.interval(p.d, p.d + p.m), NDArrayIndex.all())
                .dup('c').data().asDouble();
        boolean[] in = p.draw.included();
        int[] labels = p.draw.labels();
        int below = 0;
        for (int i = 0; i < p.m; i++) {
            if (!in[i]) {
                continue;
            }
            double z = a * (w[2 * i + labels[i]] - w[2 * i + 1 - labels[i]]);
            double pc = 1 / (1 + Math.exp(-z));
            if (a * (1 - pc) * Math.sqrt(2) < c) {
                below++;
            }
        }
        return below;
    }
}
