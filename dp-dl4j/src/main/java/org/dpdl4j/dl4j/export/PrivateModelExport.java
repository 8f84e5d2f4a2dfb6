package org.dpdl4j.dl4j.export;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.preprocessor.ComposableInputPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.dpdl4j.dl4j.head.PrivateLinearHead;
import org.dpdl4j.dl4j.postprocess.AffineStep;
import org.dpdl4j.dl4j.postprocess.FeaturePipeline;
import org.dpdl4j.dl4j.postprocess.FeatureStep;
import org.dpdl4j.dl4j.postprocess.GroupNormalize;
import org.dpdl4j.dl4j.postprocess.L2Normalize;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * Builds one DL4J network that predicts on raw inputs, from a {@link MultiLayerNetwork} backbone
 * ({@link #toNetwork}) or a {@link ComputationGraph} backbone ({@link #toGraph}): the backbone up to the
 * feature layer or vertex, frozen, then the post-processing (each run of affine steps folded into one
 * identity-activation dense layer, each L2 normalisation as an {@link L2NormalizePreProcessor} on the
 * next layer's input), then an {@code OutputLayer} (softmax, MCXENT) holding the private head's weights.
 * The first appended layer flattens the feature activations ({@link FlattenPreProcessor}), so a
 * convolutional feature layer exports as well as a dense one. Save it with
 * {@code ModelSerializer}; {@link PrivateModelBundle} adds the ledger and the privacy report.
 *
 * <p>Privacy assumption: the exported parameters are the backbone (public), the released
 * post-processing parameters and the private head: everything in it is covered by the ledger or public.
 * Later fine-tuning of the exported network is not covered.
 */
public final class PrivateModelExport {

    /** Name of the head's output vertex in an exported graph. */
    public static final String HEAD_VERTEX = "dp-head";
    /** Prefix of the post-processing layers' vertex names in an exported graph. */
    public static final String POSTPROCESS_VERTEX = "dp-postprocess";

    private PrivateModelExport() {
    }

    /**
     * One affine run of the pipeline as a dense layer, with the L2 normalisation (radius, or {@code null})
     * applied to its input.
     */
    private record Segment(Double normBefore, AffineStep affine) {
    }

    /** The pipeline folded into dense layers, and the normalisation (or {@code null}) before the head. */
    private record Folded(List<Segment> segments, Double normBeforeHead) {
    }

    private static Folded fold(FeaturePipeline pipeline, PrivateLinearHead head) {
        // Fold the pipeline into dense layers, each with the normalisation (if any) applied just before it.
        List<Segment> segments = new ArrayList<>();
        Double pendingNorm = null;
        AffineStep run = null;
        Double runNorm = null;
        for (FeatureStep s : pipeline.steps()) {
            if (s instanceof GroupNormalize) {
                throw new IllegalArgumentException("group normalisation has no DL4J export yet; export the head and "
                        + "apply the pipeline with FeaturePipeline.apply before it");
            }
            if (s instanceof L2Normalize n) {
                if (run != null) {
                    segments.add(new Segment(runNorm, run));
                    run = null;
                    runNorm = null;
                }
                // normalise(normalise(x, r1), r2) = normalise(x, r2): consecutive normalisations collapse.
                pendingNorm = n.radius();
            } else if (run == null) {
                run = (AffineStep) s;
                runNorm = pendingNorm;
                pendingNorm = null;
            } else {
                run = run.then((AffineStep) s);
            }
        }
        if (run != null) {
            segments.add(new Segment(runNorm, run));
        }
        int lastOut = segments.isEmpty() ? -1 : segments.get(segments.size() - 1).affine().out();
        if (lastOut >= 0 && lastOut != head.inputs()) {
            throw new IllegalArgumentException("the pipeline outputs " + lastOut + " dims but the head takes " + head.inputs());
        }
        return new Folded(segments, pendingNorm);
    }

    /**
     * The preprocessor in front of an appended layer: flattening first (a no-op on rank-2 activations) for the
     * layer right after the feature layer, then the L2 normalisation if there is one.
     */
    private static InputPreProcessor preprocessor(boolean first, Double norm) {
        if (norm == null) {
            return first ? new FlattenPreProcessor() : null;
        }
        L2NormalizePreProcessor l2 = new L2NormalizePreProcessor(norm);
        return first ? new ComposableInputPreProcessor(new FlattenPreProcessor(), l2) : l2;
    }

    private static DenseLayer dense(AffineStep a) {
        return new DenseLayer.Builder().nIn(a.in()).nOut(a.out()).activation(Activation.IDENTITY).build();
    }

    private static OutputLayer output(PrivateLinearHead head) {
        return new OutputLayer.Builder(LossFunction.MCXENT).nIn(head.inputs()).nOut(head.classes())
                .activation(Activation.SOFTMAX).hasBias(head.hasBias()).build();
    }

    private static void setAffine(org.deeplearning4j.nn.api.Layer layer, AffineStep a, DataType type) {
        layer.setParam("W", a.matrix(type));
        layer.setParam("b", a.offset(type));
    }

    private static void setHead(org.deeplearning4j.nn.api.Layer layer, PrivateLinearHead head, DataType type) {
        layer.setParam("W", head.weights().castTo(type));
        if (head.hasBias()) {
            layer.setParam("b", head.bias().castTo(type));
        }
    }

    /**
     * @param backbone the pretrained network the features were extracted from (not modified)
     * @param featureLayer the layer index the features came from; rank-4 (convolutional) activations are
     *     flattened as the feature extractor flattens them
     */
    public static MultiLayerNetwork toNetwork(MultiLayerNetwork backbone, int featureLayer, FeaturePipeline pipeline,
                                              PrivateLinearHead head) {
        Objects.requireNonNull(backbone, "backbone");
        Objects.requireNonNull(pipeline, "pipeline");
        Objects.requireNonNull(head, "head");
        int layers = backbone.getnLayers();
        if (featureLayer < 0 || featureLayer >= layers) {
            throw new IllegalArgumentException("feature layer " + featureLayer + " outside [0, " + layers + ")");
        }
        Folded folded = fold(pipeline, head);
        TransferLearning.Builder b = new TransferLearning.Builder(backbone)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().build())
                .setFeatureExtractor(featureLayer);
        if (layers - featureLayer - 1 > 0) {
            b.removeLayersFromOutput(layers - featureLayer - 1);
        }
        int index = featureLayer + 1;
        for (Segment s : folded.segments()) {
            b.addLayer(dense(s.affine()));
            InputPreProcessor pre = preprocessor(index == featureLayer + 1, s.normBefore());
            if (pre != null) {
                b.setInputPreProcessor(index, pre);
            }
            index++;
        }
        b.addLayer(output(head));
        InputPreProcessor pre = preprocessor(index == featureLayer + 1, folded.normBeforeHead());
        if (pre != null) {
            b.setInputPreProcessor(index, pre);
        }
        MultiLayerNetwork net = b.build();
        DataType type = net.params().dataType();
        int li = featureLayer + 1;
        for (Segment s : folded.segments()) {
            setAffine(net.getLayer(li++), s.affine(), type);
        }
        setHead(net.getLayer(li), head, type);
        return net;
    }

    /**
     * The same for a {@link ComputationGraph} backbone: the feature vertex and every vertex it depends on are
     * kept and frozen (a BatchNorm among them stays in inference mode), every other vertex (other branches,
     * the old outputs) is removed, and the post-processing layers and the head are appended after the
     * feature vertex, the head being the graph's only output ({@value #HEAD_VERTEX}, with a suffix if the
     * name is taken). The result predicts on the graph's raw input.
     *
     * @param backbone the pretrained single-input graph the features were extracted from (not modified)
     * @param featureVertex the vertex the features came from (activations of rank above 2 are flattened)
     * @throws IllegalArgumentException if there is no such vertex (or it is a network input) or the graph has
     *     several inputs
     */
    public static ComputationGraph toGraph(ComputationGraph backbone, String featureVertex, FeaturePipeline pipeline,
                                           PrivateLinearHead head) {
        Objects.requireNonNull(backbone, "backbone");
        Objects.requireNonNull(pipeline, "pipeline");
        Objects.requireNonNull(head, "head");
        ComputationGraphConfiguration conf = backbone.getConfiguration();
        if (featureVertex == null || !conf.getVertices().containsKey(featureVertex)) {
            throw new IllegalArgumentException("no vertex '" + featureVertex + "' in the graph (network inputs do not "
                    + "count); vertices: " + conf.getVertices().keySet());
        }
        if (conf.getNetworkInputs().size() != 1) {
            throw new IllegalArgumentException("export supports single-input graphs, this one has inputs "
                    + conf.getNetworkInputs());
        }
        Folded folded = fold(pipeline, head);
        Set<String> keep = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(featureVertex));
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (keep.add(v)) {
                todo.addAll(conf.getVertexInputs().getOrDefault(v, List.of()));
            }
        }
        TransferLearning.GraphBuilder b = new TransferLearning.GraphBuilder(backbone)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().build())
                .setFeatureExtractor(featureVertex);
        for (String v : new ArrayList<>(conf.getVertices().keySet())) {
            if (!keep.contains(v)) {
                b.removeVertexAndConnections(v);
            }
        }
        Set<String> taken = new HashSet<>(conf.getVertices().keySet());
        taken.addAll(conf.getNetworkInputs());
        String previous = featureVertex;
        List<String> denseNames = new ArrayList<>();
        for (int i = 0; i < folded.segments().size(); i++) {
            Segment s = folded.segments().get(i);
            String name = fresh(POSTPROCESS_VERTEX + "-" + i, taken);
            b.addLayer(name, dense(s.affine()), preprocessor(i == 0, s.normBefore()), previous);
            denseNames.add(name);
            previous = name;
        }
        String headName = fresh(HEAD_VERTEX, taken);
        b.addLayer(headName, output(head), preprocessor(denseNames.isEmpty(), folded.normBeforeHead()), previous);
        b.setOutputs(headName);
        ComputationGraph graph = b.build();
        DataType type = graph.params().dataType();
        for (int i = 0; i < denseNames.size(); i++) {
            setAffine(graph.getLayer(denseNames.get(i)), folded.segments().get(i).affine(), type);
        }
        setHead(graph.getLayer(headName), head, type);
        return graph;
    }

    private static String fresh(String name, Set<String> taken) {
        String n = name;
        for (int i = 1; taken.contains(n); i++) {
            n = name + "_" + i;
        }
        taken.add(n);
        return n;
    }

    /** Preprocessors of the exported network, for inspection in tests. */
    static List<InputPreProcessor> preprocessors(MultiLayerNetwork net) {
        List<InputPreProcessor> out = new ArrayList<>();
        for (int i = 0; i < net.getnLayers(); i++) {
            out.add(net.getLayerWiseConfigurations().getInputPreProcess(i));
        }
        return out;
    }
}
