package org.dpdl4j.core.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.core.parallel.RowParallel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The trainer splits a batch's rows over one engine per core (RowParallel). The split must not change the
 * pre-noise clipped sum, nor its sensitivity: the same sums as one engine, to rounding, for an MLP, a CNN
 * with pooling and a layer-subset trainer, across physical chunks; and removing a row on either side of the
 * split moves the sum by at most C.
 */
class RowSplitTrainerTest {

    @TempDir
    Path dir;

    private static MultiLayerNetwork smallCnn() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.DOUBLE)
                .updater(new Sgd(0.1)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).stride(1, 1).padding(1, 1).nOut(3).activation(Activation.TANH).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(6, 6, 1)).build());
        net.init();
        return net;
    }

    /** The pre-noise sums of {@code steps} steps; the capturing release rule zeroes the update, so parameters stay put. */
    private List<INDArray> sums(Supplier<MultiLayerNetwork> net, DataSet data, Set<Integer> layers, int batch,
                                int physical, int steps, boolean split, String name) {
        List<INDArray> out = new ArrayList<>();
        ReleaseRule capture = (sum, noise, std, normalizer, batchSize) -> {
            out.add(sum.dup());
            sum.assign(0);
        };
        DpSgdConfig.Builder b = DpSgdConfig.builder().clipNorm(0.7).noiseMultiplier(1.0).delta(1e-5).batchSize(batch)
                .seed(11).ledger(dir.resolve(name + (split ? "-split" : "-serial") + ".jsonl"));
        DpSgdConfig cfg = (physical > 0 ? b.physicalBatchSize(physical) : b).build();
        if (!split) {
            System.setProperty("dpdl4j.rowparallel", "false");
        }
        // these networks are tiny: split whatever the work per row
        System.setProperty("dpdl4j.rowparallel.minMacs", "1");
        try (DpSgdTrainer t = DpSgdTrainer.makeWithReleaseRule(net.get(), data, cfg, capture, layers)) {
            for (int s = 0; s < steps; s++) {
                t.step();
            }
        } finally {
            System.clearProperty("dpdl4j.rowparallel");
            System.clearProperty("dpdl4j.rowparallel.minMacs");
        }
        return out;
    }

    private static double maxDiff(INDArray a, INDArray b) {
        return Nd4j.math().abs(a.sub(b)).maxNumber().doubleValue();
    }

    private static void assumeSplits(int rows) {
        Assumptions.assumeTrue(RowParallel.parts(rows, 32) >= 2, "needs at least 2 BLAS threads and processors to split");
    }

    @Test
    void splitSumsEqualOneEngineForMlpCnnAndLayerSubset() {
        assumeSplits(150);
        DataSet flat = DpSgdTrainerTest.data(300, 6, 2);
        DataSet images = DpSgdTrainerTest.data(300, 36, 3);
        record Case(String name, Supplier<MultiLayerNetwork> net, DataSet data, Set<Integer> layers) {
        }
        for (Case c : List.of(new Case("mlp", () -> DpSgdTrainerTest.mlp(new Sgd(0.1), 6, 5), flat, null),
                new Case("cnn", RowSplitTrainerTest::smallCnn, images, null),
                new Case("cnn-layers-0-3", RowSplitTrainerTest::smallCnn, images, Set.of(0, 3)))) {
            // physical chunks of 40 rows: each part works through several chunks of its own rows
            List<INDArray> split = sums(c.net(), c.data(), c.layers(), 200, 40, 3, true, c.name());
            List<INDArray> serial = sums(c.net(), c.data(), c.layers(), 200, 40, 3, false, c.name());
            assertEquals(3, split.size());
            for (int s = 0; s < 3; s++) {
                assertTrue(split.get(s).norm2Number().doubleValue() > 0, c.name() + ": a non-trivial sum");
                assertTrue(maxDiff(split.get(s), serial.get(s)) < 1e-10, c.name() + " step " + s + ": split and serial sums "
                        + "differ by " + maxDiff(split.get(s), serial.get(s)));
            }
        }
    }

    @Test
    void removingARowOnEitherSideOfTheSplitMovesTheSumByAtMostC() {
        int n = 200;
        assumeSplits(n);
        DataSet all = DpSgdTrainerTest.data(n, 36, 5);
        // expected batch = n: q = 1, so every row is in the batch and the neighbouring batches differ by one row
        // the trainer splits from its second step on (it needs one pass to estimate the work per row), and the
        // capturing release rule leaves the parameters unchanged, so step 2 sums the same batch again
        INDArray full = sums(RowSplitTrainerTest::smallCnn, all, null, n, 0, 2, true, "full").get(1);
        for (int j : new int[] {0, n / 2 - 1, n / 2, n - 1}) {
            int skip = j;
            int[] keep = java.util.stream.IntStream.range(0, n).filter(i -> i != skip).toArray();
            DataSet without = new DataSet(all.getFeatures().getRows(keep), all.getLabels().getRows(keep));
            INDArray less = sums(RowSplitTrainerTest::smallCnn, without, null, n - 1, 0, 2, true, "without" + j).get(1);
            double move = full.sub(less).norm2Number().doubleValue();
            assertTrue(move <= 0.7 * (1 + 1e-9), "removing row " + j + " moved the pre-noise sum by " + move);
            assertTrue(move > 0, "removing row " + j + " changed the sum");
        }
    }

    @Test
    void aSecureStepRunsWithSingleThreadedKernelsAndRestoresTheNativeSettings() {
        int blas = Nd4j.factory().blas().getMaxThreads();
        int master = Nd4j.getEnvironment().maxMasterThreads();
        int[] inside = new int[2];
        MultiLayerNetwork net = DpSgdTrainerTest.mlp(new Sgd(0.1), 6, 5);
        net.setListeners(new org.deeplearning4j.optimize.api.BaseTrainingListener() {
            @Override
            public void iterationDone(org.deeplearning4j.nn.api.Model model, int iteration, int epoch) {
                inside[0] = Nd4j.factory().blas().getMaxThreads();
                inside[1] = Nd4j.getEnvironment().maxMasterThreads();
            }
        });
        INDArray before = net.params().dup();
        DpSgdConfig cfg = DpSgdConfig.builder().clipNorm(1.0).noiseMultiplier(1.0).delta(1e-5).batchSize(50)
                .ledger(dir.resolve("secure.jsonl")).build();
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(net, DpSgdTrainerTest.data(300, 6, 2), cfg)) {
            assertTrue(t.step());
            assertTrue(t.step());
        }
        assertEquals(1, inside[0], "the update (and its listeners) ran inside the step's single-threaded scope");
        assertEquals(1, inside[1]);
        assertEquals(blas, Nd4j.factory().blas().getMaxThreads());
        assertEquals(master, Nd4j.getEnvironment().maxMasterThreads());
        // the noise (drawn ahead on another core) reached every parameter: N(0, 1/50^2 lr^2) per step
        assertTrue(Nd4j.math().abs(net.params().sub(before)).minNumber().doubleValue() > 0, "every parameter moved");
    }
}
