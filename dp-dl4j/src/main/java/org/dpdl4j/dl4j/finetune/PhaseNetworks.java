package org.dpdl4j.dl4j.finetune;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * Builds the network a phase trains: a copy of the model whose untrained layers cannot move. For every
 * layer outside the trained set the copy has the {@link NoOp} updater for weights and biases and no
 * regularization (L1, L2, weight decay) and no constraints, so that DL4J's updater turns their exactly
 * zero gradient into an exactly zero update; trained layers get the phase's updater and keep the
 * model's own regularization. Updater state (momentum, Adam moments) starts fresh in every phase.
 *
 * <p>Why not DL4J's own freezing: {@code FrozenLayerWithBackprop} in 1.0.0-M2.1 still applies the inner
 * layer's regularization (frozen weights drift), and a frozen output layer would push the DP engine onto
 * its slow batch-size-1 path. Here the engine is told the trained layers instead
 * ({@link org.dpdl4j.core.training.DpSgdTrainer#makePrivate(MultiLayerNetwork,
 * org.nd4j.linalg.dataset.DataSet, org.dpdl4j.core.training.DpSgdConfig, Set)}), so untrained layers get no
 * gradient and no noise, and {@link FrozenSnapshot} checks bit for bit that they did not change.
 *
 * <p>Privacy assumption: none beyond the trainer's; which layers train is public.
 */
public final class PhaseNetworks {

    private PhaseNetworks() {
    }

    /**
     * A copy of {@code net} (same parameters, fresh updater state) in which only {@code trained} layers
     * can change. The original network is not modified.
     *
     * @param updater the trained layers' updater (copied), or null to keep each layer's own
     * @throws IllegalArgumentException if a trained layer is already a DL4J frozen layer or has no parameters
     */
    public static MultiLayerNetwork forPhase(MultiLayerNetwork net, Set<Integer> trained, IUpdater updater) {
        Objects.requireNonNull(net, "network");
        Objects.requireNonNull(trained, "trained layers");
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations().clone();
        for (int i = 0; i < conf.getConfs().size(); i++) {
            Layer layer = conf.getConf(i).getLayer();
            boolean train = trained.contains(i);
            if (train && !(layer instanceof BaseLayer)) {
                throw new IllegalArgumentException("layer " + i + " (" + layer.getClass().getSimpleName() + ") cannot be "
                        + "trained: it is frozen or has no trainable parameters; leave it out of the selection "
                        + "(layers: " + LayerSelection.describeLayers(net) + ")");
            }
            if (!(layer instanceof BaseLayer b)) {
                // FrozenLayer / FrozenLayerWithBackprop wrappers: the engine never trains them; strip their
                // inner regularization too, since M2.1 applies it despite the freeze.
                clearInner(layer);
                continue;
            }
            if (train) {
                if (updater != null) {
                    b.setIUpdater(updater.clone());
                    b.setBiasUpdater(updater.clone());
                }
            } else {
                freeze(b);
            }
        }
        MultiLayerNetwork copy = new MultiLayerNetwork(conf);
        copy.init(net.params().dup(), false);
        copy.initGradientsView();
        return copy;
    }

    private static void freeze(BaseLayer b) {
        b.setIUpdater(new NoOp());
        b.setBiasUpdater(new NoOp());
        b.setRegularization(new ArrayList<>());
        b.setRegularizationBias(new ArrayList<>());
        b.setConstraints(new ArrayList<>());
        b.setWeightNoise(null);
    }

    private static void clearInner(Layer layer) {
        Layer inner = null;
        if (layer instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayer f) {
            inner = f.getLayer();
        } else if (layer instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop f) {
            inner = f.getUnderlying();
        }
        if (inner instanceof BaseLayer b) {
            freeze(b);
        }
    }

    /** Copies every parameter of {@code from} into {@code to} (same architecture). */
    static void copyParameters(MultiLayerNetwork from, MultiLayerNetwork to) {
        INDArray src = from.params();
        if (src.length() != to.numParams()) {
            throw new IllegalArgumentException("networks differ: " + src.length() + " vs " + to.numParams() + " parameters");
        }
        to.params().assign(src);
    }

    /** Indices of the layers of {@code net} that have parameters and are not in {@code trained}. */
    static List<Integer> untrained(MultiLayerNetwork net, Set<Integer> trained) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < net.getnLayers(); i++) {
            if (net.getLayer(i).numParams() > 0 && !trained.contains(i)) {
                out.add(i);
            }
        }
        return out;
    }
}
