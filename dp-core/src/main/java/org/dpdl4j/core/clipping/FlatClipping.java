package org.dpdl4j.core.clipping;

import org.dpdl4j.core.engine.PerExampleGradients;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Flat clipping (Abadi et al. 2016): example i's whole gradient is scaled by min(1, C/‖g_i‖), so the
 * clipped sum has add/remove sensitivity C.
 *
 * <p>Privacy assumption: C is chosen without looking at the private data (a data-derived C, such as a
 * median of gradient norms, is a leak unless accounted — use {@link AdaptiveClipping}).
 */
public final class FlatClipping implements ClippingStrategy {

    private final double clipNorm;

    public FlatClipping(double clipNorm) {
        this.clipNorm = checkClipNorm(clipNorm);
    }

    static double checkClipNorm(double c) {
        if (!(c > 0) || Double.isInfinite(c)) {
            throw new IllegalArgumentException("clip norm C must be a finite number > 0, got " + c
                    + "; typical values are 0.1 to 10");
        }
        return c;
    }

    /** The clip norm C. */
    public double clipNorm() {
        return clipNorm;
    }

    /** min(1, C/n) per example for norms n, with a zero norm giving factor 1. */
    static INDArray clipFactors(INDArray norms, double c) {
        INDArray safe = Transforms.max(norms, c, true);
        return safe.rdivi(c);
    }

    @Override
    public INDArray factors(PerExampleGradients g) {
        INDArray f = clipFactors(g.norms(), clipNorm);
        return f.reshape(f.length(), 1).repeat(1, g.trainedLayers().length);
    }

    @Override
    public double sensitivity() {
        return clipNorm;
    }

    @Override
    public String description() {
        return "flat clipping, C=" + clipNorm;
    }
}
