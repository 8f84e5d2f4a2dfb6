package org.dpdl4j.core.training;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.core.engine.UnsupportedModelException;
import org.nd4j.linalg.dataset.DataSet;

/**
 * DP training of a {@link ComputationGraph} whose vertices form a chain (one input, one output, each
 * vertex fed by the previous one: layers and preprocessors only). The graph is viewed as a
 * {@link MultiLayerNetwork} that <em>shares the graph's parameter array</em> (a chain's parameters are
 * laid out in the same order), so training the view trains the graph in place.
 *
 * <p>The view owns its own updater state; the graph's updater state is not used. Graphs with merges,
 * skips or several inputs/outputs are refused with a message.
 *
 * <p>Privacy assumption: as for {@link DpSgdTrainer}; the graph is the model whose parameters are released.
 */
public final class ChainGraphs {

    private ChainGraphs() {
    }

    /** {@link DpSgdTrainer#makePrivate} for a chain graph; the graph's parameters are updated in place. */
    public static DpSgdTrainer makePrivate(ComputationGraph graph, DataSet data, DpSgdConfig config) {
        return DpSgdTrainer.makePrivate(asMultiLayerNetwork(graph), data, config);
    }

    /**
     * A MultiLayerNetwork over the same parameter memory as the chain graph.
     *
     * @throws UnsupportedModelException if the graph is not a chain
     */
    public static MultiLayerNetwork asMultiLayerNetwork(ComputationGraph graph) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
            throw new UnsupportedModelException("DP training of a ComputationGraph needs exactly one input and one output "
                    + "(got " + conf.getNetworkInputs() + " -> " + conf.getNetworkOutputs() + "); use a MultiLayerNetwork "
                    + "or a chain graph");
        }
        Map<String, List<String>> inputs = conf.getVertexInputs();
        Map<String, String> next = new HashMap<>();
        for (Map.Entry<String, List<String>> e : inputs.entrySet()) {
            if (e.getValue().size() != 1) {
                throw new UnsupportedModelException("vertex '" + e.getKey() + "' has " + e.getValue().size()
                        + " inputs; DP training supports chain graphs only (no merges or skip connections)");
            }
            String from = e.getValue().get(0);
            if (next.put(from, e.getKey()) != null) {
                throw new UnsupportedModelException("'" + from + "' feeds more than one vertex; DP training supports chain "
                        + "graphs only (no branches)");
            }
        }
        List<NeuralNetConfiguration> layers = new ArrayList<>();
        Map<Integer, InputPreProcessor> pre = new HashMap<>();
        InputPreProcessor pending = null;
        String current = next.get(conf.getNetworkInputs().get(0));
        while (current != null) {
            GraphVertex v = conf.getVertices().get(current);
            if (v instanceof LayerVertex lv) {
                InputPreProcessor p = lv.getPreProcessor();
                if (pending != null && p != null) {
                    throw new UnsupportedModelException("vertex '" + current + "' has a preprocessor right after a "
                            + "PreprocessorVertex; merge them into one");
                }
                if (pending != null || p != null) {
                    pre.put(layers.size(), pending != null ? pending : p);
                }
                pending = null;
                layers.add(lv.getLayerConf().clone());
            } else if (v instanceof PreprocessorVertex pv) {
                pending = pv.getPreProcessor();
            } else {
                throw new UnsupportedModelException("vertex '" + current + "' is a " + v.getClass().getSimpleName()
                        + "; DP training of graphs supports layer and preprocessor vertices only");
            }
            current = next.get(current);
        }
        MultiLayerConfiguration mlc = new MultiLayerConfiguration.Builder().confs(layers).inputPreProcessors(pre)
                .dataType(graph.params().dataType()).validateOutputLayerConfig(false).build();
        long expected = 0;
        for (NeuralNetConfiguration c : layers) {
            expected += c.getLayer().initializer().numParams(c);
        }
        if (expected != graph.numParams()) {
            throw new UnsupportedModelException("cannot view the graph as a chain: parameter counts differ ("
                    + expected + " vs " + graph.numParams() + ")");
        }
        // init with the graph's own array (no clone) before anything else calls init() with fresh parameters
        MultiLayerNetwork net = new MultiLayerNetwork(mlc);
        net.init(graph.params(), false);
        return net;
    }
}
