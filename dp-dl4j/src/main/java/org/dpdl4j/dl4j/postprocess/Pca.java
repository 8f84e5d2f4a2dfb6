package org.dpdl4j.dl4j.postprocess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.Objects;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.core.noise.GaussianNoise;
import org.dpdl4j.dl4j.features.Inputs;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Projection onto the top-k principal directions, as an {@link AffineStep}: fitted on public data
 * (free), or with DP on the private data by "Analyze Gauss" (Dwork, Talwar, Thakurta &amp; Zhang, STOC
 * 2014): rows clipped to L2 norm R, second-moment matrix XᵀX plus a symmetric Gaussian noise matrix,
 * then its top-k eigenvectors.
 *
 * <p>DP-PCA accounting: adding or removing one clipped row changes XᵀX by xxᵀ, whose Frobenius norm is
 * ‖x‖² ≤ R², so the upper triangle (diagonal included) has L2 sensitivity ≤ R². The mechanism draws
 * G with iid N(0, σ²R⁴) entries and releases XᵀX + (G + Gᵀ)/√2: off-diagonal noise std σR², diagonal
 * σR²·√2 (more than needed, which is post-processing of the exact mechanism). One Gaussian mechanism
 * with multiplier σ, recorded in the ledger before the noise is drawn. The noisy matrix is not centred:
 * centre first with a public or DP mean if wanted (each charged separately).
 *
 * <p>Privacy assumption: R, k and σ are chosen without looking at the private data; data passed to
 * {@link #fitPublic} are public.
 */
public final class Pca {

    /** Ledger label of DP-PCA. */
    public static final String MECHANISM = "dp-pca";

    private Pca() {
    }

    /**
     * PCA fitted on public rows: centres by their mean when {@code center}, projects onto the top-k
     * eigenvectors of their covariance.
     */
    public static AffineStep fitPublic(INDArray publicFeatures, int k, boolean center) {
        Inputs.checkFeatures(publicFeatures, "public features");
        INDArray x = publicFeatures.castTo(DataType.DOUBLE);
        int d = (int) x.size(1);
        checkK(k, d);
        INDArray mean = center ? x.mean(true, 0) : Nd4j.zeros(DataType.DOUBLE, 1, d);
        INDArray xc = x.subRowVector(mean);
        INDArray cov = xc.transpose().mmul(xc).divi(Math.max(1, x.size(0)));
        INDArray v = topEigenvectors(cov, k);
        INDArray b = mean.mmul(v).negi();
        return new AffineStep("pca-" + k, d, k, v.dup('c').data().asDouble(), b.dup('c').data().asDouble(),
                PrivacyCost.publicData("fitted on " + x.size(0) + " public rows" + (center ? ", centred" : "")));
    }

    /**
     * DP-PCA (Analyze Gauss) on the private rows, recorded in {@code ledger} as {@value #MECHANISM}.
     *
     * @param radius R: rows are clipped to this L2 norm
     * @param sigma noise multiplier σ (noise std σR² on the second-moment matrix)
     */
    public static AffineStep fitPrivate(INDArray privateFeatures, int k, double radius, double sigma,
                                        PrivacyLedger ledger, GaussianNoise noise) {
        INDArray noisy = noisySecondMoment(privateFeatures, radius, sigma, ledger, noise);
        int d = (int) noisy.size(0);
        checkK(k, d);
        INDArray v = topEigenvectors(noisy, k);
        return new AffineStep("dp-pca-" + k, d, k, v.dup('c').data().asDouble(), new double[k],
                PrivacyCost.charged(MECHANISM, sigma, String.format(Locale.ROOT,
                        "Analyze Gauss on %d rows clipped to R=%s, uncentred", privateFeatures.size(0), radius)));
    }

    /**
     * The released noisy second-moment matrix X̃ᵀX̃ + (G + Gᵀ)/√2 [d, d] (records the ledger entry first).
     * Exposed so tests and callers can inspect exactly what was released.
     */
    public static INDArray noisySecondMoment(INDArray privateFeatures, double radius, double sigma,
                                             PrivacyLedger ledger, GaussianNoise noise) {
        Inputs.checkFeatures(privateFeatures, "private features");
        RowClipping.checkRadius(radius);
        if (!(sigma > 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("sigma must be finite and > 0, got " + sigma);
        }
        Objects.requireNonNull(ledger, "ledger");
        Objects.requireNonNull(noise, "noise");
        try {
            ledger.append(MECHANISM, GaussianEvent.of(sigma), ledger.nextStep(MECHANISM), 1);
        } catch (IOException e) {
            throw new UncheckedIOException("could not record DP-PCA in the ledger; nothing released", e);
        }
        INDArray x = RowClipping.clip(privateFeatures.castTo(DataType.DOUBLE), radius);
        INDArray c = x.transpose().mmul(x);
        int d = (int) c.size(0);
        INDArray g = Nd4j.zeros(DataType.DOUBLE, d, d);
        noise.addTo(g, sigma * radius * radius);
        INDArray sym = g.add(g.transpose()).divi(Math.sqrt(2));
        return c.addi(sym);
    }

    private static void checkK(int k, int d) {
        if (k < 1 || k > d) {
            throw new IllegalArgumentException("k must lie in [1, " + d + "], got " + k);
        }
    }

    /** Columns = eigenvectors of the symmetric matrix for its k largest eigenvalues, largest first. */
    static INDArray topEigenvectors(INDArray symmetric, int k) {
        INDArray a = symmetric.dup('f');
        INDArray values = Eigen.symmetricGeneralizedEigenvalues(a, true);
        double[] ev = values.toDoubleVector();
        Integer[] order = new Integer[ev.length];
        for (int i = 0; i < ev.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> ev[i]).reversed());
        INDArray v = Nd4j.create(DataType.DOUBLE, a.size(0), k);
        for (int j = 0; j < k; j++) {
            v.putColumn(j, a.getColumn(order[j]));
        }
        return v;
    }
}
