package org.dpdl4j.dl4j.postprocess;

import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Group normalisation of one example at a time, without learned scale or shift (PyTorch's
 * {@code GroupNorm(groups, channels, affine=false)}): each row [channels·spatial] is read channel-major,
 * its channels are split into {@code groups} groups of consecutive channels, and every group of
 * (channels/groups)·spatial values is centred on its own mean and divided by √(variance + ε), with the
 * biased variance of that group. Tramèr &amp; Boneh normalise the 81 ScatterNet channels with 27 groups.
 *
 * <p>Privacy assumption: none beyond per-row application. The statistics are those of the row itself,
 * never of other examples or of the data set, so the step is data-independent (free) and keeps
 * per-example sensitivity arguments valid. (Unlike BatchNorm, which mixes examples.)
 *
 * @param channels number of channels C the row is made of (the row length must be a multiple)
 * @param groups number of groups G, dividing C
 * @param epsilon ε &ge; 0 added to the variance (PyTorch's default is 1e-5)
 */
public record GroupNormalize(int channels, int groups, double epsilon) implements FeatureStep {

    /** PyTorch's GroupNorm default ε. */
    public static final double DEFAULT_EPSILON = 1e-5;

    public GroupNormalize {
        if (channels < 1 || groups < 1) {
            throw new IllegalArgumentException("channels and groups must be >= 1, got " + channels + " and " + groups);
        }
        if (channels % groups != 0) {
            throw new IllegalArgumentException("groups (" + groups + ") must divide channels (" + channels + ")");
        }
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be finite and >= 0, got " + epsilon);
        }
    }

    /** With ε = {@link #DEFAULT_EPSILON}. */
    public GroupNormalize(int channels, int groups) {
        this(channels, groups, DEFAULT_EPSILON);
    }

    @Override
    public INDArray apply(INDArray x) {
        if (x.rank() != 2) {
            throw new IllegalArgumentException("group normalisation takes rows [n, d], got " + Arrays.toString(x.shape()));
        }
        int d = (int) x.size(1);
        outputDimension(d);
        long n = x.size(0);
        if (n == 0) {
            return x.dup();
        }
        long perGroup = d / groups;
        INDArray g = x.dup('c').reshape('c', n * groups, perGroup);
        INDArray mean = g.mean(true, 1);
        g.subiColumnVector(mean);
        INDArray var = g.mul(g).mean(true, 1);
        INDArray scale = Transforms.sqrt(var.addi(epsilon), false);
        if (epsilon == 0) {
            // A constant group stays zero instead of becoming 0/0.
            scale = Transforms.max(scale, L2Normalize.TINY, false);
        }
        g.diviColumnVector(scale);
        return g.reshape('c', n, d);
    }

    @Override
    public int outputDimension(int inputDimension) {
        if (inputDimension % channels != 0) {
            throw new IllegalArgumentException("group normalisation over " + channels + " channels needs a row length "
                    + "that is a multiple of " + channels + ", got " + inputDimension);
        }
        return inputDimension;
    }

    @Override
    public PrivacyCost cost() {
        return PrivacyCost.dataIndependent("per-example group normalisation (statistics of the row itself)");
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "group normalise each row: %d channels in %d groups, eps %s (per example)",
                channels, groups, epsilon);
    }
}
