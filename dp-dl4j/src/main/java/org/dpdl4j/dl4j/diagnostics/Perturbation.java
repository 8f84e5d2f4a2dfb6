package org.dpdl4j.dl4j.diagnostics;

import java.util.Locale;
import java.util.function.UnaryOperator;
import org.dpdl4j.dl4j.head.PrivateLinearHead;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Test-time perturbations of raw features, to measure how a head (and the post-processing before it)
 * copes with the feature shifts of the neural-collapse paper: Gaussian noise of a fixed norm per row,
 * or one fixed offset vector added to every row.
 *
 * <p>Privacy assumption: evaluation only; run it on public or test data. Accuracy on private data is
 * not private.
 */
public final class Perturbation {

    private final String description;
    private final UnaryOperator<INDArray> apply;

    private Perturbation(String description, UnaryOperator<INDArray> apply) {
        this.description = description;
        this.apply = apply;
    }

    /** No perturbation. */
    public static Perturbation none() {
        return new Perturbation("none", INDArray::dup);
    }

    /** Adds to each row an isotropic Gaussian direction scaled to exactly {@code norm} (seeded). */
    public static Perturbation gaussianOfNorm(double norm, long seed) {
        if (!(norm >= 0)) {
            throw new IllegalArgumentException("norm must be >= 0, got " + norm);
        }
        return new Perturbation(String.format(Locale.ROOT, "gaussian noise of norm %s", norm), x -> {
            Nd4j.getRandom().setSeed(seed);
            INDArray g = Nd4j.randn(DataType.DOUBLE, x.size(0), x.size(1)).castTo(x.dataType());
            INDArray n = g.norm2(true, 1).addi(1e-30);
            return x.add(g.diviColumnVector(n).muli(norm));
        });
    }

    /** Adds the same vector to every row. */
    public static Perturbation offset(double[] vector) {
        double[] v = vector.clone();
        double norm = Math.sqrt(java.util.Arrays.stream(v).map(a -> a * a).sum());
        return new Perturbation(String.format(Locale.ROOT, "fixed offset of norm %.4g", norm),
                x -> x.addRowVector(Nd4j.createFromArray(v).reshape(1, v.length).castTo(x.dataType())));
    }

    /** A fixed offset of the given norm along a seeded random direction. */
    public static Perturbation randomOffset(int dimension, double norm, long seed) {
        java.util.Random r = new java.util.Random(seed);
        double[] v = new double[dimension];
        double s = 0;
        for (int i = 0; i < dimension; i++) {
            v[i] = r.nextGaussian();
            s += v[i] * v[i];
        }
        double scale = norm / Math.sqrt(s);
        for (int i = 0; i < dimension; i++) {
            v[i] *= scale;
        }
        return offset(v);
    }

    /** The perturbed copy of raw feature rows. */
    public INDArray apply(INDArray rawFeatures) {
        return apply.apply(rawFeatures);
    }

    public String description() {
        return description;
    }

    /**
     * Accuracy of {@code head} on {@code pipeline(perturb(x))}.
     *
     * @param pipeline the post-processing the head was trained behind (e.g. {@code FeaturePipeline::apply})
     */
    public double accuracy(PrivateLinearHead head, UnaryOperator<INDArray> pipeline, INDArray rawFeatures,
                           INDArray oneHotLabels) {
        return head.accuracy(pipeline.apply(apply(rawFeatures)), oneHotLabels);
    }

    @Override
    public String toString() {
        return description;
    }
}
