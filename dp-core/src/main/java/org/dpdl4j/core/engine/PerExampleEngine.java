package org.dpdl4j.core.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-example gradients of a DL4J {@link MultiLayerNetwork} in one batched forward and backward pass,
 * run on ND4J ops. The network defines the layers and owns parameters, gradient views and updater
 * state; the engine computes each example's gradient norm (per layer and in total) and writes the
 * clipped sum Σ_i c_i g_i into the network's flattened gradient, where DL4J's updater reads it.
 *
 * <p>Networks with layers the engine does not implement use an exact batch-size-1 fallback
 * ({@code calculateGradients} per example), with a logged warning. Trainable BatchNorm and
 * aggregate gradient normalisation are refused, because they break per-example sensitivity.
 *
 * <p>Privacy assumption: with these refusals, example i's gradient depends only on example i and the
 * parameters, so clipping it to norm C bounds each example's influence on the sum by C.
 */
public final class PerExampleEngine {

    private static final Logger LOG = LoggerFactory.getLogger(PerExampleEngine.class);

    private final MultiLayerNetwork net;
    private final List<LayerStep> steps;
    private final LossStep lossStep;
    private final boolean fallback;
    private final String fallbackReason;
    private final Set<Integer> trainableLayers;
    private final List<LayerStep> trainableSteps;
    private final INDArray trainableMask;
    private final long[] layerOffsets;
    /** Where clipped sums are written: the network's flattened gradient, or a replica's own array. */
    private final INDArray gradientTarget;
    private final boolean replicable;
    private long generation;

    private PerExampleEngine(MultiLayerNetwork net, Set<Integer> trainableLayers) {
        this(net, trainableLayers, null);
    }

    /** @param replicaGradient null for the engine writing into the network's gradient; else a replica's [1, numParams] */
    private PerExampleEngine(MultiLayerNetwork net, Set<Integer> trainableLayers, INDArray replicaGradient) {
        this.net = net;
        if (net.getFlattenedGradients() == null) {
            net.initGradientsView();
        }
        this.gradientTarget = replicaGradient != null ? replicaGradient : net.getFlattenedGradients();
        this.trainableLayers = Collections.unmodifiableSet(trainableLayers);
        Layer[] layers = net.getLayers();
        this.layerOffsets = new long[layers.length + 1];
        for (int i = 0; i < layers.length; i++) {
            layerOffsets[i + 1] = layerOffsets[i] + layers[i].numParams();
        }
        validate(layers);
        List<LayerStep> built = new ArrayList<>();
        String reason = null;
        for (int i = 0; i < layers.length && reason == null; i++) {
            InputPreProcessor pre = net.getLayerWiseConfigurations().getInputPreProcess(i);
            if (pre != null) {
                built.add(new PreprocessorStep(i, pre));
            }
            try {
                built.add(stepFor(i, layers[i], trainableLayers.contains(i), gradientView(layers[i], i, replicaGradient)));
            } catch (UnsupportedOperationException e) {
                reason = e.getMessage();
            }
        }
        if (reason == null && !(built.get(built.size() - 1) instanceof LossStep)) {
            reason = "the last layer (" + layers[layers.length - 1].getClass().getSimpleName()
                    + ") is not an OutputLayer or LossLayer";
        }
        this.fallback = reason != null;
        this.fallbackReason = reason;
        if (fallback) {
            LOG.warn("dpdl4j: {}; using the exact but slow batch-size-1 fallback for per-example gradients", reason);
            this.steps = List.of();
            this.lossStep = null;
            this.trainableSteps = List.of();
        } else {
            this.steps = List.copyOf(built);
            this.lossStep = (LossStep) built.get(built.size() - 1);
            List<LayerStep> t = new ArrayList<>();
            for (LayerStep s : steps) {
                if (s.trainable()) {
                    t.add(s);
                }
            }
            this.trainableSteps = List.copyOf(t);
            checkBackpropReachesTrainableLayers();
        }
        this.trainableMask = Nd4j.zeros(net.params().dataType(), 1, net.numParams());
        for (int i : trainableLayers) {
            if (layerOffsets[i + 1] > layerOffsets[i]) {
                trainableMask.get(NDArrayIndex.point(0), NDArrayIndex.interval(layerOffsets[i], layerOffsets[i + 1])).assign(1);
            }
        }
        boolean dropout = false;
        for (Layer l : layers) {
            org.deeplearning4j.nn.conf.layers.Layer conf = l.conf().getLayer();
            dropout |= conf instanceof DropoutLayer || conf.getIDropout() != null;
        }
        // Dropout masks come from each thread's own ND4J generator, so replicas would make seeded runs depend on
        // the thread split; such networks stay on one engine.
        this.replicable = !fallback && !dropout;
    }

    /** Engine training every layer that has parameters and is not frozen. */
    public static PerExampleEngine of(MultiLayerNetwork net) {
        Set<Integer> trainable = new LinkedHashSet<>();
        Layer[] layers = net.getLayers();
        for (int i = 0; i < layers.length; i++) {
            if (layers[i].numParams() > 0 && !isFrozen(layers[i])) {
                trainable.add(i);
            }
        }
        return new PerExampleEngine(net, trainable);
    }

    /**
     * Engine training only the given layers (by index); all other layers get no gradient and no noise.
     *
     * @throws UnsupportedModelException for an index that is out of range, frozen or without parameters
     */
    public static PerExampleEngine of(MultiLayerNetwork net, Set<Integer> trainableLayers) {
        Layer[] layers = net.getLayers();
        for (int i : trainableLayers) {
            if (i < 0 || i >= layers.length) {
                throw new UnsupportedModelException("trainable layer index " + i + " is out of range [0, " + layers.length + ")");
            }
            if (isFrozen(layers[i])) {
                throw new UnsupportedModelException("layer " + i + " is frozen and cannot be trained; unfreeze it or leave it out");
            }
            if (layers[i].numParams() == 0) {
                throw new UnsupportedModelException("layer " + i + " (" + layers[i].conf().getLayer().getClass().getSimpleName()
                        + ") has no parameters to train");
            }
        }
        return new PerExampleEngine(net, new LinkedHashSet<>(trainableLayers));
    }

    static boolean isFrozen(Layer layer) {
        return layer instanceof FrozenLayer || layer instanceof FrozenLayerWithBackprop;
    }

    private void validate(Layer[] layers) {
        for (int i = 0; i < layers.length; i++) {
            Layer l = layers[i];
            if (isFrozen(l)) {
                continue;
            }
            org.deeplearning4j.nn.conf.layers.Layer conf = l.conf().getLayer();
            if (conf instanceof BatchNormalization) {
                throw new UnsupportedModelException("layer " + i + " is a trainable BatchNormalization, which mixes "
                        + "examples within a batch and breaks per-example privacy; replace it with LayerNorm "
                        + "(DenseLayer.Builder().hasLayerNorm(true)) or no normalisation, or freeze it (FrozenLayer / "
                        + "FrozenLayerWithBackprop keeps it in inference mode with its stored statistics)");
            }
            if (conf instanceof BaseLayer b && b.getGradientNormalization() != null
                    && b.getGradientNormalization() != GradientNormalization.None && trainableLayers.contains(i)) {
                throw new UnsupportedModelException("layer " + i + " uses GradientNormalization."
                        + b.getGradientNormalization() + ", which acts on the batch's summed gradient, not per "
                        + "example; set .gradientNormalization(GradientNormalization.None): per-example clipping replaces it");
            }
            if (conf instanceof BaseLayer b && b.getWeightNoise() != null && trainableLayers.contains(i)) {
                throw new UnsupportedModelException("layer " + i + " uses weight noise (" + b.getWeightNoise()
                        + "), which DP training does not support; remove .weightNoise(...)");
            }
        }
    }

    /** Layer i's slice of the gradient target; frozen layers have none. */
    private INDArray gradientView(Layer layer, int i, INDArray replicaGradient) {
        if (replicaGradient == null) {
            Layer inner = layer instanceof FrozenLayer f ? f.getInsideLayer()
                    : layer instanceof FrozenLayerWithBackprop fb ? fb.getInsideLayer() : layer;
            return inner.getGradientsViewArray();
        }
        if (isFrozen(layer) || layerOffsets[i + 1] == layerOffsets[i]) {
            return null;
        }
        return replicaGradient.get(NDArrayIndex.point(0), NDArrayIndex.interval(layerOffsets[i], layerOffsets[i + 1]))
                .reshape(1, layerOffsets[i + 1] - layerOffsets[i]);
    }

    private static LayerStep stepFor(int i, Layer layer, boolean trainable, INDArray gradientView) {
        boolean frozen = isFrozen(layer);
        Layer inner = frozen ? (layer instanceof FrozenLayer f ? f.getInsideLayer() : ((FrozenLayerWithBackprop) layer).getInsideLayer()) : layer;
        org.deeplearning4j.nn.conf.layers.Layer conf = inner.conf().getLayer();
        if (frozen && !(conf instanceof DenseLayer || conf instanceof ConvolutionLayer && isPlainConv(conf))) {
            return new FrozenGenericStep(i, layer, layer instanceof FrozenLayerWithBackprop);
        }
        if (conf instanceof OutputLayer) {
            return new OutputStep(i, inner, trainable, gradientView);
        }
        if (conf instanceof DenseLayer) {
            return new DenseStep(i, inner, trainable, gradientView);
        }
        if (conf instanceof ConvolutionLayer c) {
            if (!isPlainConv(c)) {
                throw new UnsupportedOperationException("layer " + i + " (" + conf.getClass().getSimpleName()
                        + (c.getCnn2dDataFormat() != CNN2DFormat.NCHW ? ", " + c.getCnn2dDataFormat() : "") + ") has no one-pass implementation");
            }
            return new ConvolutionStep(i, inner, trainable, gradientView);
        }
        if (conf instanceof SubsamplingLayer s && s.getClass() == SubsamplingLayer.class && s.getCnn2dDataFormat() == CNN2DFormat.NCHW) {
            return new SubsamplingStep(i, s);
        }
        if (conf instanceof ActivationLayer a) {
            return new ActivationStep(i, a.getActivationFn());
        }
        if (conf instanceof DropoutLayer d) {
            return new DropoutStep(i, d.getIDropout());
        }
        if (conf instanceof GlobalPoolingLayer g && GlobalPoolingStep.supports(g)) {
            return new GlobalPoolingStep(i, g);
        }
        if (conf instanceof LossLayer l && l.getClass() == LossLayer.class) {
            return new LossLayerStep(i, l);
        }
        throw new UnsupportedOperationException("layer " + i + " (" + conf.getClass().getSimpleName() + ") has no one-pass implementation");
    }

    private static boolean isPlainConv(org.deeplearning4j.nn.conf.layers.Layer conf) {
        return conf.getClass() == ConvolutionLayer.class && ((ConvolutionLayer) conf).getCnn2dDataFormat() == CNN2DFormat.NCHW;
    }

    private void checkBackpropReachesTrainableLayers() {
        int lowestTrainable = trainableSteps.isEmpty() ? Integer.MAX_VALUE : trainableSteps.get(0).layerIndex();
        for (LayerStep s : steps) {
            if (s instanceof FrozenGenericStep f && !f.passesGradient() && f.layerIndex() > lowestTrainable) {
                throw new UnsupportedModelException("layer " + lowestTrainable + " is trainable but sits below FrozenLayer "
                        + f.layerIndex() + ", which stops backpropagation; freeze it too or wrap layer " + f.layerIndex()
                        + " in FrozenLayerWithBackprop instead");
            }
        }
    }

    /** True when the exact batch-size-1 fallback is in use. */
    public boolean usesFallback() {
        return fallback;
    }

    /** Why the fallback is used, or null. */
    public String fallbackReason() {
        return fallbackReason;
    }

    /** Indices of the layers that are trained. */
    public Set<Integer> trainableLayers() {
        return trainableLayers;
    }

    /**
     * Whether {@link #replica} is available: the one-pass engine (no fallback) on a network without dropout.
     */
    public boolean replicable() {
        return replicable;
    }

    /**
     * A second engine over the same network, parameters and trained layers, with its own buffers and its
     * own gradient array ({@link #gradientTarget}), so that several threads can each compute the clipped sum
     * of their own rows of a batch at once; the caller adds the replicas' sums. Parameters are shared and
     * only read.
     *
     * @throws IllegalStateException if not {@link #replicable}
     */
    public PerExampleEngine replica() {
        if (!replicable) {
            throw new IllegalStateException("this engine cannot be replicated: " + (fallback ? fallbackReason
                    : "the network uses dropout"));
        }
        return new PerExampleEngine(net, new LinkedHashSet<>(trainableLayers),
                Nd4j.zeros(net.params().dataType(), 1, net.numParams()));
    }

    /**
     * Estimated multiply-adds of one example's forward pass through the dense and convolution layers, as of
     * the last batch (0 before the first): backward costs about twice as much. Used to decide whether a
     * batch is worth splitting over threads.
     */
    public long forwardMacsPerExample() {
        long macs = 0;
        for (LayerStep s : steps) {
            macs += s.forwardMacsPerExample();
        }
        return macs;
    }

    /**
     * The [1, numParams] array that {@link PerExampleGradients#writeClippedSum} writes into: the network's
     * flattened gradient for an engine made by {@code of}, the replica's own array for a {@link #replica}.
     */
    public INDArray gradientTarget() {
        return gradientTarget;
    }

    /** True when every parameter of the network is trained (no frozen or excluded layer). */
    public boolean trainsAllParameters() {
        return trainableMask.sumNumber().longValue() == net.numParams();
    }

    /** 1 for every trained parameter and 0 elsewhere, shape [1, numParams]: where noise goes. */
    public INDArray trainableMask() {
        return trainableMask;
    }

    /** The network. */
    public MultiLayerNetwork network() {
        return net;
    }

    /** The one-pass steps in network order (empty with the fallback); for tests and profiling. */
    List<LayerStep> steps() {
        return steps;
    }

    /**
     * Drops the buffers the engine keeps between batches (activations, unfolded inputs, per-example
     * gradients of the last batch shape: for a CNN at batch 256, tens of MiB). The next {@link #compute}
     * allocates them again.
     */
    public void releaseBuffers() {
        generation++;
        for (LayerStep s : steps) {
            s.clear();
            if (s.buffers() != null) {
                s.buffers().release();
            }
        }
    }

    /** Elements held in reusable buffers, over all steps. */
    long bufferedElements() {
        long n = 0;
        for (LayerStep s : steps) {
            n += s.buffers() == null ? 0 : s.buffers().capacity();
        }
        return n;
    }

    /** Tests: fills every reusable buffer with NaN, so that stale contents would show in any result. */
    void poisonBuffers() {
        for (LayerStep s : steps) {
            if (s.buffers() != null) {
                s.buffers().poison();
            }
        }
    }

    /**
     * Runs the per-example forward and backward pass on a non-empty batch.
     *
     * <p>The engine reuses its arrays from batch to batch, so the result is valid until the next call of
     * {@code compute} (or {@link #releaseBuffers}) on this engine; using it afterwards throws
     * {@link IllegalStateException}. Results of the batch-size-1 fallback stay valid.
     *
     * @param features input batch [B, ...]
     * @param labels labels [B, nOut]
     */
    public PerExampleGradients compute(INDArray features, INDArray labels) {
        long b = features.size(0);
        if (b == 0) {
            throw new IllegalArgumentException("compute needs a non-empty batch; an empty Poisson batch is a noise-only step");
        }
        if (labels.size(0) != b) {
            throw new IllegalArgumentException("features have " + b + " rows but labels have " + labels.size(0));
        }
        DropoutHelper.iteration = net.getIterationCount();
        DropoutHelper.epoch = net.getEpochCount();
        if (fallback) {
            return computeFallback(features, labels);
        }
        generation++;
        INDArray x = features.castTo(net.params().dataType());
        INDArray y = labels.castTo(net.params().dataType());
        for (LayerStep s : steps) {
            x = s.forward(x, true);
        }
        int lowest = trainableSteps.isEmpty() ? Integer.MAX_VALUE : trainableSteps.get(0).layerIndex();
        INDArray eps = lossStep.backwardFromLabels(y, lossStep.layerIndex() > lowest);
        for (int k = steps.size() - 2; k >= 0 && eps != null; k--) {
            LayerStep s = steps.get(k);
            boolean needInput = s.layerIndex() > lowest || (s instanceof PreprocessorStep && s.layerIndex() > lowest);
            eps = s.backward(eps, needInput);
        }
        INDArray loss = lossStep.perExampleLoss(y);
        return new OnePassGradients(b, loss);
    }

    /**
     * Inference-mode output of layer {@code layer} (0-based) for a batch, run on the engine's native-op
     * steps: dropout is off and frozen layers (a frozen BatchNorm included) run as DL4J runs them in test
     * mode. Equal to DL4J's {@code feedForwardToLayer(layer, x, false).get(layer + 1)} up to float rounding,
     * and several times faster for convolutions on CPU: the forward pass a frozen feature extractor needs.
     * With the batch-size-1 fallback it simply calls DL4J. Returns a fresh array; per-example gradients of
     * an earlier {@link #compute} become stale (the engine reuses its buffers).
     *
     * @param features input batch [B, ...], B ≥ 1
     * @throws IllegalArgumentException if {@code layer} is not a layer index of the network
     */
    public INDArray activations(INDArray features, int layer) {
        if (layer < 0 || layer >= net.getnLayers()) {
            throw new IllegalArgumentException("layer " + layer + " outside [0, " + net.getnLayers() + ")");
        }
        if (features.size(0) == 0) {
            throw new IllegalArgumentException("activations need a non-empty batch");
        }
        if (fallback) {
            return net.feedForwardToLayer(layer, features, false).get(layer + 1).dup();
        }
        generation++;
        INDArray x = features.castTo(net.params().dataType());
        for (LayerStep s : steps) {
            if (s.layerIndex() > layer) {
                break;
            }
            x = s.forward(x, false);
        }
        INDArray out = x.dup('c');
        for (LayerStep s : steps) {
            s.clear();
        }
        return out;
    }

    /** Result of the one-pass engine. */
    private final class OnePassGradients extends PerExampleGradients {

        private final long owner;

        OnePassGradients(long batch, INDArray loss) {
            super(batch, loss, trainableLayerIndices());
            this.owner = generation;
        }

        private void checkCurrent() {
            if (owner != generation) {
                throw new IllegalStateException("these per-example gradients are stale: the engine has computed another "
                        + "batch (or released its buffers) since, and reuses its arrays; use each result before the next compute");
            }
        }

        @Override
        protected INDArray computeLayerSquaredNorms() {
            checkCurrent();
            INDArray norms = Nd4j.zeros(net.params().dataType(), batchSize(), trainableSteps.size());
            for (int k = 0; k < trainableSteps.size(); k++) {
                INDArray col = Nd4j.zeros(net.params().dataType(), batchSize());
                trainableSteps.get(k).addSquaredNorms(col);
                norms.getColumn(k).assign(col);
            }
            return norms;
        }

        @Override
        protected void writeClipped(INDArray factorsPerLayer) {
            checkCurrent();
            gradientTarget.assign(0);
            for (int k = 0; k < trainableSteps.size(); k++) {
                trainableSteps.get(k).writeClippedSum(factorsPerLayer.getColumn(k).dup());
            }
        }

        @Override
        public INDArray perExampleGradients() {
            checkCurrent();
            INDArray out = Nd4j.zeros(net.params().dataType(), batchSize(), net.numParams());
            for (LayerStep s : trainableSteps) {
                s.writePerExampleGradients(out, layerOffsets[s.layerIndex()]);
            }
            return out;
        }

        @Override
        public void release() {
            if (owner == generation) {
                for (LayerStep s : steps) {
                    s.clear();
                }
            }
        }
    }

    private int[] trainableLayerIndices() {
        if (fallback) {
            return trainableLayers.stream().mapToInt(Integer::intValue).sorted().toArray();
        }
        return trainableSteps.stream().mapToInt(LayerStep::layerIndex).toArray();
    }

    private PerExampleGradients computeFallback(INDArray features, INDArray labels) {
        long b = features.size(0);
        INDArray grads = Nd4j.create(net.params().dataType(), b, net.numParams());
        INDArray loss = Nd4j.create(net.params().dataType(), b);
        for (long i = 0; i < b; i++) {
            INDArray xi = features.get(NDArrayIndex.interval(i, i + 1));
            INDArray yi = labels.get(NDArrayIndex.interval(i, i + 1));
            Pair<org.deeplearning4j.nn.gradient.Gradient, INDArray> g = net.calculateGradients(xi, yi, null, null);
            grads.getRow(i).assign(g.getFirst().gradient().reshape(1, net.numParams()).mul(trainableMask));
            loss.putScalar(i, net.score());
        }
        int[] idx = trainableLayerIndices();
        return new PerExampleGradients(b, loss, idx) {
            @Override
            protected INDArray computeLayerSquaredNorms() {
                INDArray norms = Nd4j.zeros(net.params().dataType(), b, idx.length);
                for (int k = 0; k < idx.length; k++) {
                    INDArray block = grads.get(NDArrayIndex.all(), NDArrayIndex.interval(layerOffsets[idx[k]], layerOffsets[idx[k] + 1]));
                    norms.getColumn(k).assign(block.mul(block).sum(1));
                }
                return norms;
            }

            @Override
            protected void writeClipped(INDArray factorsPerLayer) {
                INDArray flat = net.getFlattenedGradients();
                flat.assign(0);
                for (int k = 0; k < idx.length; k++) {
                    INDArray block = grads.get(NDArrayIndex.all(), NDArrayIndex.interval(layerOffsets[idx[k]], layerOffsets[idx[k] + 1]));
                    INDArray sum = factorsPerLayer.getColumn(k).reshape(1, b).mmul(block);
                    flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(layerOffsets[idx[k]], layerOffsets[idx[k] + 1]))
                            .assign(sum.reshape(sum.length()));
                }
            }

            @Override
            public INDArray perExampleGradients() {
                return grads.dup();
            }

            @Override
            public void release() {
            }
        };
    }
}
