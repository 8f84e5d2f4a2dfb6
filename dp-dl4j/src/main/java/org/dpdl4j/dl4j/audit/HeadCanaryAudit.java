package org.dpdl4j.dl4j.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.dpdl4j.accountant.audit.OneRunAudit;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.core.audit.AuditResult;
import org.dpdl4j.core.audit.CanaryAuditConfig;
import org.dpdl4j.core.audit.CanaryDraw;
import org.dpdl4j.core.training.PrivacyReport;
import org.dpdl4j.dl4j.features.FeatureSource;
import org.dpdl4j.dl4j.features.Inputs;
import org.dpdl4j.dl4j.head.HeadConfig;
import org.dpdl4j.dl4j.head.HeadResult;
import org.dpdl4j.dl4j.head.HeadTrainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One-run white-box audit of the private head (Steinke, Nasr &amp; Jagielski 2023) through the unchanged
 * {@link HeadTrainer}: m Dirac canaries on reserved parameters, each inserted with probability ½.
 *
 * <p><b>Design.</b> The head is trained on the caller's d features plus m reserved feature columns, one
 * per canary; canary i is an ordinary row with feature a·e_{d+i} and a random label c_i. Its gradient
 * touches row d+i of W only (and the bias, if any): a·(p − y), which clipping scales to norm C. For two
 * classes the direction is always ±(−1, 1)/√2, so the canary is exactly Dirac in its row's rotated
 * basis; for k classes it starts along e_c − 1/k and stays close while the row's logits are small. Real
 * rows are zero in the reserved columns and never touch reserved rows. Nothing in the trainer is
 * changed or hooked: the head trainer's closed-form clipped sum, noise, normaliser, momentum, schedule
 * and ledger are audited as they are.
 *
 * <p><b>Scoring.</b> {@link HeadTrainer} releases only the final head, so the score of canary i is how
 * far its row moved toward its label, W[d+i, c_i] − mean_j W[d+i, j]: a positive combination of the
 * released noisy gradients on that row. In full-batch mode with a constant rate and no momentum it is
 * the optimal (likelihood-ratio) score; in Poisson mode it ignores which steps sampled the canary and
 * has less power than the per-step score of {@code DiracCanaryAudit}.
 *
 * <p>Privacy assumption: the claim audited is the head's own ledger ε at the configured δ; the ledger
 * is a fresh temporary file, so the claim is this run's alone. See {@code docs/threat-model.md} for what
 * a one-run audit can and cannot show.
 */
public final class HeadCanaryAudit {

    private HeadCanaryAudit() {
    }

    /**
     * Inserts the canaries, trains the head once and bounds ε.
     *
     * @param realFeatures [n, d] features (n ≥ 0)
     * @param realLabels [n, k] one-hot labels, k ≥ 2
     * @param training the head configuration under audit; it must start from zeros (no initial head)
     * @param audit canaries, guesses, confidence, canary magnitude, the auditor's coins
     * @throws IllegalArgumentException for bad shapes, an initial head, or canaries too small to be clipped
     */
    public static AuditResult run(INDArray realFeatures, INDArray realLabels, HeadConfig training,
                                  CanaryAuditConfig audit) {
        Objects.requireNonNull(realFeatures, "real features");
        Objects.requireNonNull(realLabels, "real labels");
        Objects.requireNonNull(training, "head configuration");
        Objects.requireNonNull(audit, "audit configuration");
        if (realFeatures.rank() != 2 || realLabels.rank() != 2 || realFeatures.size(0) != realLabels.size(0)) {
            throw new IllegalArgumentException("real data must be features [n, d] and one-hot labels [n, k]");
        }
        if (training.initialHead() != null) {
            throw new IllegalArgumentException("the audit needs the head to start from zeros, so that every canary's "
                    + "reserved row starts at 0; remove initialHead from the configuration");
        }
        int n = (int) realFeatures.size(0);
        int d = (int) realFeatures.size(1);
        int k = (int) realLabels.size(1);
        if (k < 2) {
            throw new IllegalArgumentException("a softmax head needs >= 2 classes, got " + k);
        }
        if (n > 0) {
            Inputs.checkFeatures(realFeatures, "real features");
            Inputs.checkOneHot(realLabels, n, k);
        }
        double c = training.clipNorm();
        double a = audit.canaryScale();
        // at p = uniform the canary's gradient norm is a·sqrt((k−1)/k)·(sqrt 2 with a bias): keep it well above C
        if (a * Math.sqrt((k - 1.0) / k) <= 2 * c) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "canary scale %.4g is too small for clip norm "
                    + "%.4g: use a > %.4g so that clipping, not the canary, sets its contribution", a, c,
                    2 * c / Math.sqrt((k - 1.0) / k)));
        }
        int m = audit.canaries();
        CanaryDraw draw = CanaryDraw.draw(m, k, audit.seed());
        boolean[] in = draw.included();
        int[] labels = draw.labels();
        int rows = n + draw.includedCount();
        INDArray x = Nd4j.zeros(DataType.DOUBLE, rows, d + m);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, rows, k);
        if (n > 0) {
            x.get(NDArrayIndex.interval(0, n), NDArrayIndex.interval(0, d)).assign(realFeatures.castTo(DataType.DOUBLE));
            y.get(NDArrayIndex.interval(0, n), NDArrayIndex.all()).assign(realLabels.castTo(DataType.DOUBLE));
        }
        int row = n;
        for (int i = 0; i < m; i++) {
            if (in[i]) {
                x.putScalar(row, d + i, a);
                y.putScalar(row, labels[i], 1.0);
                row++;
            }
        }
        HeadResult result = train(FeatureSource.inMemory(x, y), training);
        double[] w = result.head().weights().get(NDArrayIndex.interval(d, d + m), NDArrayIndex.all()).dup('c').data()
                .asDouble();
        double[] scores = new double[m];
        for (int i = 0; i < m; i++) {
            double mean = 0;
            for (int j = 0; j < k; j++) {
                mean += w[i * k + j];
            }
            scores[i] = w[i * k + labels[i]] - mean / k;
        }
        int[] g = OneRunAudit.guess(scores, in, audit.guessIncluded(), audit.guessExcluded());
        PrivacyReport report = result.report();
        double bound = OneRunAudit.epsilonLowerBound(report.delta(), m, g[0], g[1], audit.significance());
        List<String> notes = new ArrayList<>();
        int below = belowClipNorm(result, x.get(NDArrayIndex.interval(n, rows), NDArrayIndex.all()),
                y.get(NDArrayIndex.interval(n, rows), NDArrayIndex.all()), c);
        if (below > 0) {
            notes.add(below + " inserted canaries ended with a gradient below the clip norm (valid bound, less power)");
        }
        String mechanism = String.format(Locale.ROOT, "%s accountant, sigma=%.4f, %s, %s, %d steps%s", report.accountant(),
                report.noiseMultiplier(), report.clipping(), report.sampling(), report.steps(),
                report.secure() ? "" : ", SEEDED noise");
        return new AuditResult("one-run white-box audit, Dirac canaries on reserved head rows, final-parameter score, "
                + "head trainer (" + training.mode() + ")", report.epsilon(), report.delta(), bound,
                audit.significance(), m, draw.includedCount(), g[0], g[1], mechanism, notes);
    }

    private static HeadResult train(FeatureSource data, HeadConfig training) {
        Path file;
        try {
            file = Files.createTempFile("dpdl4j-audit-head-", ".jsonl");
            Files.delete(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the audit's temporary ledger", e);
        }
        try (PrivacyLedger ledger = PrivacyLedger.open(file)) {
            return HeadTrainer.train(data, training, ledger);
        } catch (IOException e) {
            throw new UncheckedIOException("the audit's temporary ledger failed: " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a leftover temporary file is harmless; the result does not depend on it
            }
        }
    }

    private static int belowClipNorm(HeadResult result, INDArray canaryX, INDArray canaryY, double c) {
        if (canaryX.size(0) == 0) {
            return 0;
        }
        double[] norms = result.head().perExampleGradientNorms(canaryX, canaryY).dup().data().asDouble();
        int below = 0;
        for (double v : norms) {
            below += v < c ? 1 : 0;
        }
        return below;
    }
}
