package org.dpdl4j.core.training;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.core.engine.UnsupportedModelException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class ChainGraphsTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    static ComputationGraph chain() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(4).dataType(DataType.DOUBLE)
                .updater(new Sgd(0.2)).graphBuilder().addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(2, 2).nOut(2).activation(Activation.TANH).build(), "in")
                .addLayer("dense", new DenseLayer.Builder().nOut(4).activation(Activation.RELU).build(), "conv")
                .addLayer("out", new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build(), "dense")
                .setOutputs("out").setInputTypes(InputType.convolutional(4, 4, 1)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    @Test
    void theViewComputesWhatTheGraphComputesAndSharesItsParameters() {
        ComputationGraph g = chain();
        MultiLayerNetwork view = ChainGraphs.asMultiLayerNetwork(g);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 5, 1, 4, 4);
        INDArray y = Nd4j.eye(3).getRows(0, 1, 2, 0, 1);
        assertTrue(g.outputSingle(x).equalsWithEps(view.output(x), 1e-12), "same function");
        g.setInputs(x);
        g.setLabels(y);
        g.computeGradientAndScore();
        INDArray gGrad = g.gradient().gradient().dup();
        INDArray vGrad = view.calculateGradients(x, y, null, null).getFirst().gradient();
        assertTrue(gGrad.reshape(vGrad.shape()).equalsWithEps(vGrad, 1e-12), "same gradient in the same layout");
        view.params().addi(1.0);
        assertTrue(g.params().equalsWithEps(view.params(), 0), "parameters are shared, not copied");
    }

    @Test
    void dpTrainingUpdatesTheGraphInPlace() {
        ComputationGraph g = chain();
        INDArray before = g.params().dup();
        DataSet d = new DataSet(Nd4j.randn(DataType.DOUBLE, 40, 1, 4, 4), Nd4j.eye(3).getRows(
                java.util.stream.IntStream.range(0, 40).map(i -> i % 3).toArray()));
        try (DpSgdTrainer t = ChainGraphs.makePrivate(g, d, DpSgdConfig.builder().delta(1e-5).seed(1)
                .ledger(dir.resolve("g.jsonl")).batchSize(8).clipNorm(1).noiseMultiplier(1).build())) {
            t.fit(1);
        }
        assertFalse(before.equalsWithEps(g.params(), 1e-9), "the graph's own parameters were trained");
    }

    @Test
    void nonChainGraphsAreRefused() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).graphBuilder()
                .addInputs("in")
                .addLayer("a", new DenseLayer.Builder().nIn(3).nOut(2).build(), "in")
                .addLayer("b", new DenseLayer.Builder().nIn(3).nOut(2).build(), "in")
                .addVertex("m", new MergeVertex(), "a", "b")
                .addLayer("out", new OutputLayer.Builder(LossFunction.MCXENT).nIn(4).nOut(2).activation(Activation.SOFTMAX).build(), "m")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        var e = assertThrows(UnsupportedModelException.class, () -> ChainGraphs.asMultiLayerNetwork(g));
        assertTrue(e.getMessage().contains("chain"), e.getMessage());
    }
}
