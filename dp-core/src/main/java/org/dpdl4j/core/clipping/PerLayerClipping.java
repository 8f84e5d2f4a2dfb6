package org.dpdl4j.core.clipping;

import java.util.Arrays;
import org.dpdl4j.core.engine.PerExampleGradients;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Per-layer clipping: the gradient of trained layer l is clipped to C_l on its own. The whole
 * per-example gradient then has norm ≤ ‖(C_1, …, C_k)‖, which is the sensitivity the noise is scaled to.
 *
 * <p>Privacy assumption: the thresholds are fixed without looking at the private data, and they are
 * given in the order of the trained layers.
 */
public final class PerLayerClipping implements ClippingStrategy {

    private final double[] clipNorms;
    private final double sensitivity;

    public PerLayerClipping(double... clipNorms) {
        if (clipNorms == null || clipNorms.length == 0) {
            throw new IllegalArgumentException("per-layer clipping needs one clip norm per trained layer");
        }
        double s = 0;
        for (double c : clipNorms) {
            FlatClipping.checkClipNorm(c);
            s += c * c;
        }
        this.clipNorms = clipNorms.clone();
        this.sensitivity = Math.sqrt(s);
    }

    @Override
    public INDArray factors(PerExampleGradients g) {
        INDArray sq = g.layerSquaredNorms();
        if (sq.size(1) != clipNorms.length) {
            throw new IllegalArgumentException("per-layer clipping was given " + clipNorms.length
                    + " clip norms but the network trains " + sq.size(1) + " layers " + Arrays.toString(g.trainedLayers())
                    + "; give one C per trained layer");
        }
        INDArray norms = Transforms.sqrt(sq, true);
        INDArray out = Nd4j.create(norms.dataType(), norms.shape());
        for (int l = 0; l < clipNorms.length; l++) {
            out.getColumn(l).assign(FlatClipping.clipFactors(norms.getColumn(l).dup(), clipNorms[l]));
        }
        return out;
    }

    @Override
    public double sensitivity() {
        return sensitivity;
    }

    @Override
    public String description() {
        return "per-layer clipping, C=" + Arrays.toString(clipNorms) + " (sensitivity " + sensitivity + ")";
    }
}
