package org.dpdl4j.dl4j.postprocess;

import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Scales every row to L2 norm {@code radius} (a zero row stays zero). Looks at no data beyond the row
 * itself, so it is free; it also bounds every feature norm, which makes the head's clipping predictable.
 *
 * <p>Privacy assumption: none beyond per-row application.
 *
 * @param radius target norm r &gt; 0
 */
public record L2Normalize(double radius) implements FeatureStep {

    /** Rows with norm below this are treated as zero (kept as they are, scaled by r/tiny would explode). */
    static final double TINY = 1e-12;

    public L2Normalize {
        if (!(radius > 0) || Double.isInfinite(radius)) {
            throw new IllegalArgumentException("radius must be finite and > 0, got " + radius);
        }
    }

    @Override
    public INDArray apply(INDArray x) {
        INDArray norms = x.norm2(true, 1);
        INDArray scale = Transforms.max(norms, TINY, true).rdivi(radius);
        return x.mulColumnVector(scale);
    }

    @Override
    public int outputDimension(int inputDimension) {
        return inputDimension;
    }

    @Override
    public PrivacyCost cost() {
        return PrivacyCost.dataIndependent("per-example scaling to norm " + radius);
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "L2 normalise rows to radius %s", radius);
    }
}
