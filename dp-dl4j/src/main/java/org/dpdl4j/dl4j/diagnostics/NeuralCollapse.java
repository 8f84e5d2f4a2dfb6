package org.dpdl4j.dl4j.diagnostics;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import org.dpdl4j.dl4j.features.Inputs;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Neural-collapse measures of a feature set (Papyan, Han &amp; Donoho 2020; used by Wang et al., "Neural
 * Collapse Meets Differential Privacy", ICML 2024, to predict how well a private linear head will do):
 * <ul>
 * <li>NC1 = tr(Σ_W Σ_B⁺)/K: within-class over between-class variability (0 at full collapse);</li>
 * <li>how far the centred class means are from a simplex ETF: their pairwise cosines against −1/(K−1),
 * the spread of their norms, and Papyan's ‖G/‖G‖_F − (I − 11ᵀ/K)/‖I − 11ᵀ/K‖_F‖_F for their Gram G;</li>
 * <li>a feature-shift estimate: each row's distance to its class mean relative to the mean distance of
 * the class means from the global mean (the paper's bound degrades with this shift), and the global
 * mean's norm on the same scale (a fixed offset that normalisation without centring does not remove).</li>
 * </ul>
 *
 * <p>Privacy assumption: these are exact, non-private statistics. On public data they cost nothing. On
 * the private data they are only computed through {@link #onPrivateDataWithoutPrivacy}, which needs an
 * explicit opt-in and marks the result, so that a report can state that they are not covered by ε.
 */
public final class NeuralCollapse {

    /** Where the features came from. */
    public enum DataSource {
        PUBLIC,
        /** Private data, computed without privacy on the caller's explicit request. */
        PRIVATE_NOT_PRIVATE
    }

    /** The explicit opt-in for non-private diagnostics on private data. */
    public enum NonPrivateOptIn {
        I_UNDERSTAND_THESE_STATISTICS_ARE_NOT_PRIVATE
    }

    /**
     * @param nc1 tr(Σ_W Σ_B⁺)/K
     * @param cosineMean mean pairwise cosine of centred class means (ETF: −1/(K−1))
     * @param cosineMaxError max |cos + 1/(K−1)| over pairs
     * @param normCv coefficient of variation of the centred class-mean norms (ETF: 0)
     * @param etfDistance Papyan's normalised Gram distance to the ETF (0 at an ETF)
     * @param shiftMean mean ‖x − μ_y‖ / mean ‖μ_c − μ_G‖
     * @param shift95 95th percentile of the same ratio
     * @param offset ‖μ_G‖ / mean ‖μ_c − μ_G‖
     */
    public record Result(DataSource source, long rows, int dimension, int classes, double nc1, double cosineMean,
                         double cosineMaxError, double normCv, double etfDistance, double shiftMean, double shift95,
                         double offset) {

        /** Human-readable lines, stating whether the numbers are private. */
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "NC diagnostics on %s (%d rows, d=%d, K=%d): NC1=%.4f; class-mean "
                            + "cosines mean %.4f (ETF %.4f), max error %.4f; norm CV %.4f; ETF distance %.4f; "
                            + "feature shift mean %.4f, p95 %.4f; global offset %.4f", source == DataSource.PUBLIC
                            ? "public data" : "PRIVATE data, NOT private (explicit opt-in; not covered by epsilon)",
                    rows, dimension, classes, nc1, cosineMean, -1.0 / (classes - 1), cosineMaxError, normCv,
                    etfDistance, shiftMean, shift95, offset);
        }
    }

    private NeuralCollapse() {
    }

    /** Diagnostics of public features (free). */
    public static Result onPublicData(INDArray features, INDArray oneHotLabels) {
        return compute(features, oneHotLabels, DataSource.PUBLIC);
    }

    /** Diagnostics of private features, without privacy: requires the explicit opt-in. */
    public static Result onPrivateDataWithoutPrivacy(INDArray features, INDArray oneHotLabels, NonPrivateOptIn optIn) {
        Objects.requireNonNull(optIn, "computing diagnostics on private data needs the explicit non-private opt-in");
        return compute(features, oneHotLabels, DataSource.PRIVATE_NOT_PRIVATE);
    }

    private static Result compute(INDArray features, INDArray oneHotLabels, DataSource source) {
        Inputs.checkFeatures(features, "features");
        int k = (int) oneHotLabels.size(1);
        Inputs.checkOneHot(oneHotLabels, features.size(0), k);
        INDArray x = features.castTo(DataType.DOUBLE);
        INDArray y = oneHotLabels.castTo(DataType.DOUBLE);
        long n = x.size(0);
        int d = (int) x.size(1);
        INDArray counts = y.sum(true, 0);
        if (counts.minNumber().doubleValue() < 1) {
            throw new IllegalArgumentException("every class needs at least one row; counts " + counts);
        }
        INDArray means = y.transpose().mmul(x).diviColumnVector(counts.transpose());
        INDArray global = x.mean(true, 0);
        INDArray centred = means.subRowVector(global);
        INDArray within = x.sub(y.mmul(means));

        // NC1 in the K-dimensional span of the centred means: Σ_B = McᵀMc/K, eigenpairs of G = McMcᵀ.
        INDArray gram = centred.mmul(centred.transpose());
        INDArray u = gram.dup('f');
        double[] lambda = Eigen.symmetricGeneralizedEigenvalues(u, true).toDoubleVector();
        double lmax = Arrays.stream(lambda).max().orElse(0);
        INDArray z = within.mmul(centred.transpose()).mmul(u);
        INDArray colSq = z.mul(z).sum(0);
        double nc1 = 0;
        for (int j = 0; j < k; j++) {
            if (lambda[j] > 1e-10 * lmax) {
                nc1 += colSq.getDouble(j) / (n * lambda[j] * lambda[j]);
            }
        }

        INDArray norms = centred.norm2(1);
        double meanNorm = norms.meanNumber().doubleValue();
        double normCv = norms.stdNumber().doubleValue() / meanNorm;
        INDArray unit = centred.divColumnVector(norms.reshape(k, 1));
        INDArray cos = unit.mmul(unit.transpose());
        double target = -1.0 / (k - 1);
        double sum = 0;
        double maxErr = 0;
        for (int i = 0; i < k; i++) {
            for (int j = i + 1; j < k; j++) {
                double c = cos.getDouble(i, j);
                sum += c;
                maxErr = Math.max(maxErr, Math.abs(c - target));
            }
        }
        double cosMean = sum / (k * (k - 1) / 2.0);
        INDArray etf = Nd4j.eye(k).castTo(DataType.DOUBLE).subi(1.0 / k);
        INDArray diff = gram.div(gram.norm2Number()).subi(etf.div(etf.norm2Number()));
        double etfDistance = diff.norm2Number().doubleValue();

        double[] shift = within.norm2(1).divi(meanNorm).toDoubleVector();
        double[] sorted = shift.clone();
        Arrays.sort(sorted);
        double shiftMean = Arrays.stream(shift).average().orElse(Double.NaN);
        double shift95 = sorted[(int) Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)];
        double offset = global.norm2Number().doubleValue() / meanNorm;
        return new Result(source, n, d, k, nc1, cosMean, maxErr, normCv, etfDistance, shiftMean, shift95, offset);
    }
}
