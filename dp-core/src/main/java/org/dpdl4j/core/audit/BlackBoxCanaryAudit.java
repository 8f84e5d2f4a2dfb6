package org.dpdl4j.core.audit;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.core.training.DpSgdConfig;
import org.dpdl4j.core.training.DpSgdTrainer;
import org.dpdl4j.core.training.PrivacyReport;
import org.dpdl4j.core.training.SamplingMode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One-run black-box audit of DP-SGD on any network the trainer accepts (Steinke, Nasr &amp; Jagielski 2023,
 * input-space canaries): m mislabeled, out-of-distribution records, each inserted with probability ½,
 * one training run with the unchanged trainer, and a score computed from the final model alone.
 *
 * <p>Canary i is a random direction of the input space scaled to norm a (far from the data, which is
 * what makes it out of distribution) with a uniformly random label. Its score is the log-probability the
 * trained model gives its label: canaries that were trained on tend to be predicted better. Only the
 * final model's predictions are used, so this audit also applies where intermediate updates are not
 * released; the price is power: black-box one-run bounds are typically far below the claim (see
 * docs/threat-model.md), so a low bound here is expected and proves nothing, while a bound above the
 * claim still refutes it.
 *
 * <p>Privacy assumption: the claim audited is the trainer's {@link DpSgdTrainer#epsilon()} under
 * add/remove-one accounting (Poisson or full-batch sampling).
 */
public final class BlackBoxCanaryAudit {

    private BlackBoxCanaryAudit() {
    }

    /** Audits the production trainer. */
    public static AuditResult run(Supplier<MultiLayerNetwork> model, DataSet realData, DpSgdConfig training,
                                  CanaryAuditConfig audit) {
        return run(model, realData, training, audit, TrainerFactory.PRODUCTION);
    }

    /**
     * Inserts the canaries, trains {@code model.get()} once for {@code training.epochs()} epochs and bounds ε.
     *
     * @param model a fresh, initialised network (its initialisation must not depend on the private data)
     * @param realData features [n, ...] and one-hot labels [n, k]
     */
    public static AuditResult run(Supplier<MultiLayerNetwork> model, DataSet realData, DpSgdConfig training,
                                  CanaryAuditConfig audit, TrainerFactory trainers) {
        Objects.requireNonNull(model, "model supplier");
        Objects.requireNonNull(realData, "real data");
        Objects.requireNonNull(training, "training configuration");
        Objects.requireNonNull(audit, "audit configuration");
        Objects.requireNonNull(trainers, "trainer factory");
        if (training.sampling() == SamplingMode.FIXED_SIZE) {
            throw new IllegalArgumentException("the one-run audit inserts or omits canaries, an add/remove-one "
                    + "experiment, but fixed-size sampling is accounted under replace-one; audit POISSON or FULL_BATCH");
        }
        INDArray fx = realData.getFeatures();
        INDArray fy = realData.getLabels();
        if (fx == null || fy == null || fy.rank() != 2 || fx.size(0) != fy.size(0) || fy.size(1) < 2) {
            throw new IllegalArgumentException("real data must have features [n, ...] and one-hot labels [n, k >= 2]");
        }
        int m = audit.canaries();
        int k = (int) fy.size(1);
        CanaryDraw draw = CanaryDraw.draw(m, k, audit.seed());
        long[] shape = fx.shape().clone();
        shape[0] = m;
        INDArray canaryX = directions(shape, audit.canaryScale(), audit.seed());
        INDArray canaryY = Nd4j.zeros(DataType.DOUBLE, m, k);
        int[] labels = draw.labels();
        for (int i = 0; i < m; i++) {
            canaryY.putScalar(i, labels[i], 1.0);
        }
        DataSet data = withCanaries(fx, fy, canaryX, canaryY, draw.included());
        MultiLayerNetwork net = model.get();
        PrivacyReport report;
        try (DpSgdTrainer trainer = trainers.create(net, data, training)) {
            trainer.fit();
            report = trainer.report();
        }
        INDArray probabilities = net.output(canaryX.castTo(net.params().dataType()), false);
        double[] p = probabilities.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] scores = new double[m];
        for (int i = 0; i < m; i++) {
            scores[i] = Math.log(Math.max(p[i * k + labels[i]], Double.MIN_NORMAL));
        }
        standardisePerLabel(scores, labels, k);
        List<String> notes = new ArrayList<>();
        notes.add(String.format(Locale.ROOT, "canaries: random directions of norm %.4g with random labels over %d classes; "
                + "score: log-probability of the canary's label under the final model, standardised among canaries "
                + "of the same label", audit.canaryScale(), k));
        return DiracCanaryAudit.finish("one-run black-box audit, mislabeled out-of-distribution canaries, DP-SGD trainer",
                scores, draw, audit, report, notes);
    }

    /**
     * Centres and scales the scores within each label group (using every canary of that label, included
     * or not: nothing but released predictions). An out-of-distribution input tends to get one confident
     * prediction whatever its label, so the raw log-probability mostly says which label a canary has; what
     * training on the canary adds is the shift relative to canaries of the same label.
     */
    static void standardisePerLabel(double[] scores, int[] labels, int classes) {
        for (int c = 0; c < classes; c++) {
            double sum = 0;
            double sq = 0;
            int n = 0;
            for (int i = 0; i < scores.length; i++) {
                if (labels[i] == c) {
                    sum += scores[i];
                    sq += scores[i] * scores[i];
                    n++;
                }
            }
            if (n == 0) {
                continue;
            }
            double mean = sum / n;
            double std = n > 1 ? Math.sqrt(Math.max(0, (sq - n * mean * mean) / (n - 1))) : 0;
            for (int i = 0; i < scores.length; i++) {
                if (labels[i] == c) {
                    scores[i] = std > 0 ? (scores[i] - mean) / std : scores[i] - mean;
                }
            }
        }
    }

    /** m random directions (Gaussian, normalised) of norm a, in double precision. */
    private static INDArray directions(long[] shape, double a, Long seed) {
        RandomGenerator rnd = seed == null ? new SecureRandom() : new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
        int m = (int) shape[0];
        long per = Arrays.stream(shape).skip(1).reduce(1, (x, y) -> x * y);
        double[] v = new double[(int) (m * per)];
        for (int i = 0; i < m; i++) {
            double sq = 0;
            for (int j = 0; j < per; j++) {
                double g = rnd.nextGaussian();
                v[(int) (i * per + j)] = g;
                sq += g * g;
            }
            double s = a / Math.sqrt(sq);
            for (int j = 0; j < per; j++) {
                v[(int) (i * per + j)] *= s;
            }
        }
        return Nd4j.create(v, shape, 'c').castTo(DataType.DOUBLE);
    }

    private static DataSet withCanaries(INDArray fx, INDArray fy, INDArray canaryX, INDArray canaryY, boolean[] included) {
        List<Long> rows = new ArrayList<>();
        for (int i = 0; i < included.length; i++) {
            if (included[i]) {
                rows.add((long) i);
            }
        }
        if (rows.isEmpty()) {
            return new DataSet(fx.castTo(DataType.DOUBLE), fy.castTo(DataType.DOUBLE));
        }
        long[] idx = rows.stream().mapToLong(Long::longValue).toArray();
        INDArray inX = Nd4j.pullRows(canaryX.reshape(canaryX.size(0), -1), 1, Arrays.stream(idx).mapToInt(l -> (int) l)
                .toArray());
        long[] shape = canaryX.shape().clone();
        shape[0] = idx.length;
        INDArray inY = canaryY.get(NDArrayIndex.indices(idx), NDArrayIndex.all());
        INDArray x = fx.size(0) == 0 ? inX.reshape(shape) : Nd4j.concat(0, fx.castTo(DataType.DOUBLE), inX.reshape(shape));
        INDArray y = fy.size(0) == 0 ? inY : Nd4j.concat(0, fy.castTo(DataType.DOUBLE), inY);
        return new DataSet(x, y);
    }
}
