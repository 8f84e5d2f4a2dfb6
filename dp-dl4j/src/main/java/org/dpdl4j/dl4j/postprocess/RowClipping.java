package org.dpdl4j.dl4j.postprocess;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Scales rows with L2 norm above R down to R: the bound every DP statistic here relies on. */
final class RowClipping {

    private RowClipping() {
    }

    static INDArray clip(INDArray x, double radius) {
        INDArray norms = x.norm2(true, 1);
        INDArray scale = Transforms.min(Transforms.max(norms, 1e-300, true).rdivi(radius), 1.0, false);
        return x.mulColumnVector(scale);
    }

    static void checkRadius(double radius) {
        if (!(radius > 0) || Double.isInfinite(radius)) {
            throw new IllegalArgumentException("clip radius R must be finite and > 0, got " + radius);
        }
    }
}
