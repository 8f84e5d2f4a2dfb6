package org.dpdl4j.dl4j.export;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
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
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * Builds one DL4J network that predicts on raw inputs: the backbone's layers 0..L frozen, then the
 * post-processing (each run of affine steps folded into one identity-activation dense layer, each L2
 * normalisation as an {@link L2NormalizePreProcessor} on the next layer's input), then an
 * {@code OutputLayer} (softmax, MCXENT) holding the private head's weights. Save it with
 * {@code ModelSerializer}; {@link PrivateModelBundle} adds the ledger and the privacy report.
 *
 * <p>Privacy assumption: the exported parameters are the backbone (public), the released
 * post-processing parameters and the private head: everything in it is covered by the ledger or public.
 * Later fine-tuning of the exported network is not covered.
 */
public final class PrivateModelExport {

    private PrivateModelExport() {
    }

    /**
     * @param backbone the pretrained network the features were extracted from (not modified)
     * @param featureLayer the layer index the features came from; it must output rank-2 activations
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
        // Fold the pipeline into dense layers, each with the normalisation (if any) applied just before it.
        record Segment(Double normBefore, AffineStep affine) {
        }
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
        List<AffineStep> denseLayers = segments.stream().map(Segment::affine).toList();
        List<Double> pre = segments.stream().map(Segment::normBefore).toList();
        int lastOut = denseLayers.isEmpty() ? -1 : denseLayers.get(denseLayers.size() - 1).out();
        if (lastOut >= 0 && lastOut != head.inputs()) {
            throw new IllegalArgumentException("the pipeline outputs " + lastOut + " dims but the head takes " + head.inputs());
        }
        TransferLearning.Builder b = new TransferLearning.Builder(backbone)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().build())
                .setFeatureExtractor(featureLayer);
        if (layers - featureLayer - 1 > 0) {
            b.removeLayersFromOutput(layers - featureLayer - 1);
        }
        int index = featureLayer + 1;
        for (int i = 0; i < denseLayers.size(); i++) {
            AffineStep a = denseLayers.get(i);
            b.addLayer(new DenseLayer.Builder().nIn(a.in()).nOut(a.out()).activation(Activation.IDENTITY).build());
            if (pre.get(i) != null) {
                b.setInputPreProcessor(index, new L2NormalizePreProcessor(pre.get(i)));
            }
            index++;
        }
        b.addLayer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(head.inputs()).nOut(head.classes())
                .activation(Activation.SOFTMAX).hasBias(head.hasBias()).build());
        if (pendingNorm != null) {
            b.setInputPreProcessor(index, new L2NormalizePreProcessor(pendingNorm));
        }
        MultiLayerNetwork net = b.build();
        int li = featureLayer + 1;
        for (AffineStep a : denseLayers) {
            INDArray w = a.matrix(net.params().dataType());
            net.getLayer(li).setParam("W", w);
            net.getLayer(li).setParam("b", a.offset(net.params().dataType()));
            li++;
        }
        net.getLayer(li).setParam("W", head.weights().castTo(net.params().dataType()));
        if (head.hasBias()) {
            net.getLayer(li).setParam("b", head.bias().castTo(net.params().dataType()));
        }
        return net;
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
