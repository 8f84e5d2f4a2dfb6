package org.dpdl4j.core.clipping;

import org.dpdl4j.core.engine.PerExampleGradients;
import org.dpdl4j.core.noise.GaussianNoise;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Adaptive flat clipping (Andrew, Thakkar, McMahan &amp; Ramaswamy 2021): after each step the clip norm
 * moves geometrically towards the target quantile γ of per-example gradient norms,
 * C ← C·exp(−η(b̃ − γ)), where b̃ is the noised fraction of examples with ‖g_i‖ ≤ C:
 * b̃ = (Σ 1[‖g_i‖ ≤ C] + N(0, σ_b²)) / normaliser.
 *
 * <p>Privacy cost: the count has add/remove sensitivity 1 and is released with noise σ_b on the same
 * Poisson sample as the gradient sum (sensitivity C, noise σC). Both together are one Gaussian
 * mechanism on the sample with effective multiplier σ_eff = (σ⁻² + σ_b⁻²)^(−1/2), which is what the
 * trainer records per step ({@link #effectiveNoiseMultiplier}). Nothing about the data is used
 * unaccounted.
 *
 * <p>Privacy assumption: the initial C, γ, η and σ_b are data-independent.
 */
public final class AdaptiveClipping implements ClippingStrategy {

    private final double targetQuantile;
    private final double learningRate;
    private final double countNoiseMultiplier;
    private double clipNorm;

    /**
     * @param initialClipNorm starting C &gt; 0
     * @param targetQuantile γ in (0, 1), e.g. 0.5
     * @param learningRate η &gt; 0, e.g. 0.2
     * @param countNoiseMultiplier σ_b &gt; 0: noise std of the clipped-count; Andrew et al. suggest about
     *     expected batch size / 20
     */
    public AdaptiveClipping(double initialClipNorm, double targetQuantile, double learningRate, double countNoiseMultiplier) {
        this.clipNorm = FlatClipping.checkClipNorm(initialClipNorm);
        if (!(targetQuantile > 0 && targetQuantile < 1)) {
            throw new IllegalArgumentException("target quantile must be in (0, 1), got " + targetQuantile);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("clip-norm learning rate must be a finite number > 0, got " + learningRate);
        }
        if (!(countNoiseMultiplier > 0) || Double.isInfinite(countNoiseMultiplier)) {
            throw new IllegalArgumentException("count noise multiplier must be a finite number > 0, got " + countNoiseMultiplier);
        }
        this.targetQuantile = targetQuantile;
        this.learningRate = learningRate;
        this.countNoiseMultiplier = countNoiseMultiplier;
    }

    /** The current clip norm. */
    public synchronized double clipNorm() {
        return clipNorm;
    }

    @Override
    public synchronized INDArray factors(PerExampleGradients g) {
        INDArray f = FlatClipping.clipFactors(g.norms(), clipNorm);
        return f.reshape(f.length(), 1).repeat(1, g.trainedLayers().length);
    }

    @Override
    public synchronized double sensitivity() {
        return clipNorm;
    }

    @Override
    public double effectiveNoiseMultiplier(double sigma) {
        return 1.0 / Math.sqrt(1.0 / (sigma * sigma) + 1.0 / (countNoiseMultiplier * countNoiseMultiplier));
    }

    @Override
    public double gradientNoiseMultiplier(double effectiveSigma) {
        double inv = 1.0 / (effectiveSigma * effectiveSigma) - 1.0 / (countNoiseMultiplier * countNoiseMultiplier);
        if (!(inv > 0)) {
            throw new IllegalArgumentException("the target needs an effective noise multiplier " + effectiveSigma
                    + " that the count noise sigma_b=" + countNoiseMultiplier + " alone exceeds; raise sigma_b");
        }
        return 1.0 / Math.sqrt(inv);
    }

    @Override
    public synchronized void afterStep(INDArray norms, GaussianNoise noise, double normalizer) {
        double below = 0;
        if (norms != null) {
            below = norms.lte(clipNorm).castTo(DataType.DOUBLE).sumNumber().doubleValue();
        }
        INDArray count = Nd4j.scalar(DataType.DOUBLE, below).reshape(1, 1);
        noise.addTo(count, countNoiseMultiplier);
        double fraction = count.getDouble(0) / normalizer;
        clipNorm *= Math.exp(-learningRate * (fraction - targetQuantile));
    }

    @Override
    public synchronized double[] state() {
        return new double[] {clipNorm};
    }

    @Override
    public synchronized void restore(double[] state) {
        if (state.length != 1) {
            throw new IllegalArgumentException("adaptive clipping state must hold one clip norm, got " + state.length + " values");
        }
        clipNorm = FlatClipping.checkClipNorm(state[0]);
    }

    @Override
    public synchronized String description() {
        return String.format(java.util.Locale.ROOT,
                "adaptive clipping (Andrew et al. 2021): C=%.6g now, quantile %.3f, eta %.3f, count sigma_b %.3f",
                clipNorm, targetQuantile, learningRate, countNoiseMultiplier);
    }
}
