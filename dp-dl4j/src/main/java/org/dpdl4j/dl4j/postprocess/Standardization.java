package org.dpdl4j.dl4j.postprocess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Objects;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.core.noise.GaussianNoise;
import org.dpdl4j.dl4j.features.Inputs;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Centring (x − μ) and standardisation ((x − μ)/s) as {@link AffineStep}s, from supplied public
 * statistics, fitted on public data, or estimated with DP on the private data.
 *
 * <p>DP estimation: rows are clipped to L2 norm R; the mechanism releases the sum of clipped rows (and,
 * for standardisation, the sum of their squared coordinates) with Gaussian noise, and divides by the
 * public n. Under add/remove-one the vector [Σx̃/R, Σx̃²/R²] moves by at most √2 (since
 * ‖x̃²‖₂ ≤ ‖x̃‖₂² ≤ R²), and by 1 for the mean alone; noise std is σ·√2·R on sums and σ·√2·R² on sums of
 * squares (σ·R for the mean alone), so the release is one Gaussian mechanism with multiplier σ, recorded
 * in the ledger before the noise is drawn.
 *
 * <p>Privacy assumption: n is public; R and σ are chosen without looking at the private data; the
 * fitting data of {@link #fitPublic} really are public.
 */
public final class Standardization {

    /** Ledger label of the DP estimate. */
    public static final String MECHANISM = "dp-standardize";

    private Standardization() {
    }

    /** Centring by a supplied (public) mean. */
    public static AffineStep centering(double[] mean) {
        return fromStats(mean, null, PrivacyCost.publicData("supplied public mean"));
    }

    /** Standardisation by supplied (public) mean and per-coordinate std (each &gt; 0). */
    public static AffineStep withStats(double[] mean, double[] std) {
        Objects.requireNonNull(std, "std");
        return fromStats(mean, std, PrivacyCost.publicData("supplied public mean and std"));
    }

    /** Fitted on data the caller declares public: free for the private data. */
    public static AffineStep fitPublic(INDArray publicFeatures, boolean scale) {
        Inputs.checkFeatures(publicFeatures, "public features");
        INDArray x = publicFeatures.castTo(DataType.DOUBLE);
        double[] mean = x.mean(0).toDoubleVector();
        double[] std = scale ? Transforms.max(x.std(false, 0), 1e-12, false).toDoubleVector() : null;
        return fromStats(mean, std, PrivacyCost.publicData("fitted on " + x.size(0) + " public rows"));
    }

    /**
     * DP estimate on the private rows, recorded in {@code ledger} as {@value #MECHANISM}.
     *
     * @param radius R: rows are clipped to this L2 norm before summing
     * @param sigma noise multiplier σ
     * @param varianceFloor lower bound on each estimated variance (noise can make it negative)
     */
    public static AffineStep fitPrivate(INDArray privateFeatures, boolean scale, double radius, double sigma,
                                        double varianceFloor, PrivacyLedger ledger, GaussianNoise noise) {
        Inputs.checkFeatures(privateFeatures, "private features");
        RowClipping.checkRadius(radius);
        if (!(sigma > 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("sigma must be finite and > 0, got " + sigma);
        }
        if (scale && !(varianceFloor > 0)) {
            throw new IllegalArgumentException("variance floor must be > 0 when standardising, got " + varianceFloor);
        }
        Objects.requireNonNull(ledger, "ledger");
        Objects.requireNonNull(noise, "noise");
        double n = privateFeatures.size(0);
        if (n < 1) {
            throw new IllegalArgumentException("no private rows");
        }
        try {
            ledger.append(MECHANISM, GaussianEvent.of(sigma), ledger.nextStep(MECHANISM), 1);
        } catch (IOException e) {
            throw new UncheckedIOException("could not record the DP statistics in the ledger; nothing released", e);
        }
        INDArray x = RowClipping.clip(privateFeatures.castTo(DataType.DOUBLE), radius);
        double sensitivityFactor = scale ? Math.sqrt(2) : 1.0;
        INDArray sum = x.sum(true, 0);
        noise.addTo(sum, sigma * sensitivityFactor * radius);
        INDArray mean = sum.divi(n);
        double[] std = null;
        if (scale) {
            INDArray sumSq = x.mul(x).sum(true, 0);
            noise.addTo(sumSq, sigma * sensitivityFactor * radius * radius);
            INDArray var = sumSq.divi(n).subi(mean.mul(mean));
            std = Transforms.sqrt(Transforms.max(var, varianceFloor, false), false).toDoubleVector();
        }
        return fromStats(mean.toDoubleVector(), std, PrivacyCost.charged(MECHANISM, sigma, String.format(Locale.ROOT,
                "DP %s of %d rows clipped to R=%s", scale ? "mean and variance" : "mean", (long) n, radius)));
    }

    private static AffineStep fromStats(double[] mean, double[] std, PrivacyCost cost) {
        Objects.requireNonNull(mean, "mean");
        int d = mean.length;
        if (std != null && std.length != d) {
            throw new IllegalArgumentException("mean has " + d + " entries but std has " + std.length);
        }
        double[] a = new double[d * d];
        double[] b = new double[d];
        for (int j = 0; j < d; j++) {
            double s = std == null ? 1.0 : std[j];
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException("std[" + j + "] must be finite and > 0, got " + s);
            }
            a[j * d + j] = 1 / s;
            b[j] = -mean[j] / s;
        }
        return new AffineStep(std == null ? "centre" : "standardise", d, d, a, b, cost);
    }

    /** The mean subtracted by a centring/standardisation step (for tests and reports). */
    public static double[] meanOf(AffineStep step) {
        INDArray a = step.matrix(DataType.DOUBLE);
        INDArray diag = Nd4j.diag(a).reshape(1, step.in());
        return step.offset(DataType.DOUBLE).neg().divi(diag).toDoubleVector();
    }
}
