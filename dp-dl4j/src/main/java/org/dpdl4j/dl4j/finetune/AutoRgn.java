package org.dpdl4j.dl4j.finetune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.core.training.ReleasedGradientHook;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Auto-RGN (Lee et al., "Surgical fine-tuning improves adaptation to distribution shifts", ICLR 2023):
 * each trained parameter tensor i gets a learning-rate multiplier RGN_i / max_j RGN_j, with the
 * relative gradient norm RGN_i = ‖g_i‖ / ‖θ_i‖. Tensors whose gradients are large relative to their
 * weights move most; the rest are damped, which lets the data choose "surgically" which layers adapt.
 *
 * <p>Two sources of ‖g_i‖, neither of which costs privacy:
 * <ul>
 *   <li>{@link #fromPublicData(DataSet)}: the gradient of the loss over a public dataset (e.g. a few
 *       labelled examples of the target distribution that are not private), computed once when the phase
 *       starts; scales stay fixed for the phase.</li>
 *   <li>{@link #fromNoisyGradients(double)}: every DP-SGD step already releases
 *       g̃ = (Σ clipped g + N(0, σ²C²I))/B. Since E‖g̃_i‖² = ‖ḡ_i‖² + d_i(σC/B)² for a tensor of d_i
 *       coordinates, {@code ‖g̃_i‖² − d_i(σC/B)²} is an unbiased estimate of ‖ḡ_i‖² (ḡ = the clipped
 *       mean); an exponential moving average of it over steps (bias-corrected, like Adam's) estimates
 *       ‖ḡ_i‖² with less variance. Without the correction the noisy norm mostly measures √d_i, i.e. the
 *       tensor's size. This is post-processing of released values, so it is free.</li>
 * </ul>
 *
 * <p>The multiplier is applied by scaling each tensor's slice of the released gradient before the
 * updater; for Sgd and Nesterovs (linear in the gradient) that is exactly a per-tensor learning rate,
 * so phases with Auto-RGN accept only those updaters. Tensors whose weights are all zero have no
 * defined ratio: they keep multiplier 1 and are left out of the maximum. A negative corrected estimate
 * (noise larger than signal) counts as zero. Multipliers are floored at {@link #minScale()}.
 *
 * <p>Privacy assumption: the public dataset, if used, is not private (its records are not protected);
 * the noisy-gradient mode reads nothing but the released gradient and the public σ, C, B.
 */
public final class AutoRgn {

    /** Where the gradient norms come from. */
    public enum Source { PUBLIC_DATA, NOISY_GRADIENTS }

    private final Source source;
    private final DataSet publicData;
    private final double decay;
    private final double minScale;

    private AutoRgn(Source source, DataSet publicData, double decay, double minScale) {
        this.source = source;
        this.publicData = publicData;
        this.decay = decay;
        this.minScale = minScale;
    }

    /** Scales from the gradient over public data, fixed for the phase. */
    public static AutoRgn fromPublicData(DataSet publicData) {
        Objects.requireNonNull(publicData, "public data");
        if (publicData.getFeatures() == null || publicData.getLabels() == null || publicData.numExamples() == 0) {
            throw new IllegalArgumentException("Auto-RGN from public data needs a non-empty labelled public dataset");
        }
        return new AutoRgn(Source.PUBLIC_DATA, publicData, 0, 0);
    }

    /**
     * Scales re-estimated at every step from the released noisy gradients, with the known noise variance
     * subtracted, averaged with an exponential moving average of this decay (0 uses each step alone).
     */
    public static AutoRgn fromNoisyGradients(double decay) {
        if (!(decay >= 0 && decay < 1)) {
            throw new IllegalArgumentException("moving-average decay must lie in [0, 1), got " + decay);
        }
        return new AutoRgn(Source.NOISY_GRADIENTS, null, decay, 0);
    }

    /** The same rule with multipliers floored at {@code floor} in [0, 1]. */
    public AutoRgn withMinScale(double floor) {
        if (!(floor >= 0 && floor <= 1)) {
            throw new IllegalArgumentException("minimum scale must lie in [0, 1], got " + floor);
        }
        return new AutoRgn(source, publicData, decay, floor);
    }

    public Source source() {
        return source;
    }

    /** Moving-average decay of the noisy mode. */
    public double decay() {
        return decay;
    }

    public double minScale() {
        return minScale;
    }

    /** The public dataset, or null. */
    public DataSet publicData() {
        return publicData;
    }

    @Override
    public String toString() {
        return source == Source.PUBLIC_DATA
                ? String.format(Locale.ROOT, "Auto-RGN from %d public examples%s", publicData.numExamples(),
                        minScale > 0 ? ", floor " + minScale : "")
                : String.format(Locale.ROOT, "Auto-RGN from noisy DP gradients (noise variance subtracted, EMA %s)%s", decay,
                        minScale > 0 ? ", floor " + minScale : "");
    }

    // ---------------------------------------------------------------- the statistics, public for tests and reuse

    /**
     * Unbiased estimate of ‖g‖² from a released ‖g̃‖² = ‖g + z‖², z ~ N(0, s²I_d): ‖g̃‖² − d·s².
     * Its variance is 2d·s⁴ + 4s²‖g‖².
     */
    public static double correctedSquaredNorm(double noisySquaredNorm, long d, double noiseStd) {
        return noisySquaredNorm - d * noiseStd * noiseStd;
    }

    /**
     * Multipliers RGN_i / max RGN with RGN_i = sqrt(max(0, gradSq_i)) / ‖θ_i‖; tensors with ‖θ_i‖ = 0 get 1
     * and do not enter the maximum; all 1 when every ratio is 0; floored at {@code floor}.
     */
    public static double[] normalizedScales(double[] gradSquaredNorms, double[] paramNorms, double floor) {
        if (gradSquaredNorms.length != paramNorms.length) {
            throw new IllegalArgumentException("need one gradient and one parameter norm per tensor");
        }
        int k = paramNorms.length;
        double[] ratio = new double[k];
        double max = 0;
        for (int i = 0; i < k; i++) {
            if (paramNorms[i] > 0) {
                ratio[i] = Math.sqrt(Math.max(0, gradSquaredNorms[i])) / paramNorms[i];
                max = Math.max(max, ratio[i]);
            }
        }
        double[] scale = new double[k];
        for (int i = 0; i < k; i++) {
            double s = paramNorms[i] > 0 && max > 0 ? ratio[i] / max : 1.0;
            scale[i] = Math.max(floor, s);
        }
        return scale;
    }

    /**
     * ‖∂L/∂θ_i‖² of the summed loss over a dataset (in chunks of 512) for the given tensors: the non-private
     * gradient norms of public data.
     */
    public static double[] publicGradientSquaredNorms(MultiLayerNetwork net, DataSet data, ParameterTensors tensors) {
        List<ParameterTensors.Tensor> ts = tensors.tensors();
        INDArray sum = null;
        long n = data.numExamples();
        for (long start = 0; start < n; start += 512) {
            long end = Math.min(n, start + 512);
            INDArray x = data.getFeatures().get(NDArrayIndex.interval(start, end));
            INDArray y = data.getLabels().get(NDArrayIndex.interval(start, end));
            Pair<Gradient, INDArray> g = net.calculateGradients(x.castTo(net.params().dataType()),
                    y.castTo(net.params().dataType()), null, null);
            // The raw gradient of the summed loss over the chunk (DL4J divides by the batch in the updater).
            INDArray flat = g.getFirst().gradient().reshape(1, net.numParams()).dup();
            sum = sum == null ? flat : sum.addi(flat);
        }
        double[] out = new double[ts.size()];
        for (int i = 0; i < ts.size(); i++) {
            out[i] = ParameterTensors.squaredNorm(sum, ts.get(i));
        }
        return out;
    }

    /** ‖θ_i‖ of each tensor. */
    public static double[] parameterNorms(MultiLayerNetwork net, ParameterTensors tensors) {
        List<ParameterTensors.Tensor> ts = tensors.tensors();
        double[] out = new double[ts.size()];
        for (int i = 0; i < ts.size(); i++) {
            out[i] = Math.sqrt(ParameterTensors.squaredNorm(net.params(), ts.get(i)));
        }
        return out;
    }

    /**
     * The hook a DP-SGD phase installs ({@link org.dpdl4j.core.training.DpSgdTrainer#setReleasedGradientHook}):
     * scales each trained tensor's slice of the released gradient by its current multiplier. Built per phase
     * network; usable in a custom training loop too (with noise std 0 for an exact gradient).
     */
    public Scaler scaler(MultiLayerNetwork net, ParameterTensors trained) {
        return new Scaler(net, trained);
    }

    /** Applies (and, in the noisy mode, re-estimates) the multipliers. */
    public final class Scaler implements ReleasedGradientHook {
        private final MultiLayerNetwork net;
        private final ParameterTensors trained;
        private final List<ParameterTensors.Tensor> tensors;
        private final double[] ema;
        private double[] scales;
        private long updates;

        Scaler(MultiLayerNetwork net, ParameterTensors trained) {
            this.net = net;
            this.trained = trained;
            this.tensors = new ArrayList<>(trained.tensors());
            this.ema = new double[tensors.size()];
            if (source == Source.PUBLIC_DATA) {
                scales = normalizedScales(publicGradientSquaredNorms(net, publicData, trained), parameterNorms(net, trained),
                        minScale);
            } else {
                scales = new double[tensors.size()];
                java.util.Arrays.fill(scales, 1.0);
            }
        }

        @Override
        public void accept(INDArray noisyGradient, double noiseStd, long step) {
            if (source == Source.NOISY_GRADIENTS) {
                updates++;
                double[] estimate = new double[tensors.size()];
                double correction = 1 - Math.pow(decay, updates);
                for (int i = 0; i < tensors.size(); i++) {
                    ParameterTensors.Tensor t = tensors.get(i);
                    double noisy = ParameterTensors.squaredNorm(noisyGradient, t);
                    ema[i] = decay * ema[i] + (1 - decay) * correctedSquaredNorm(noisy, t.length(), noiseStd);
                    estimate[i] = ema[i] / correction;
                }
                scales = normalizedScales(estimate, parameterNorms(net, trained), minScale);
            }
            for (int i = 0; i < tensors.size(); i++) {
                if (scales[i] != 1.0) {
                    ParameterTensors.slice(noisyGradient, tensors.get(i)).muli(scales[i]);
                }
            }
        }

        /** The current multiplier of each tensor, by name ("layer/key"). */
        public Map<String, Double> scales() {
            Map<String, Double> m = new LinkedHashMap<>();
            for (int i = 0; i < tensors.size(); i++) {
                m.put(tensors.get(i).name(), scales[i]);
            }
            return m;
        }
    }
}
