package org.dpdl4j.core.engine;

import static org.dpdl4j.core.engine.PerExampleExactnessTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The engine reuses its arrays across batches: results for a sequence of batches of different sizes
 * (growing, shrinking, repeating, as Poisson batches do) equal those of a fresh engine per batch, stale
 * buffer contents never reach a result, the exact norm methods of a convolution agree with each other,
 * and a result used after the next batch is refused.
 */
class EngineBufferReuseTest {

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    record Net(String name, Supplier<MultiLayerNetwork> net, long[] inputShape, int classes) {
        @Override
        public String toString() {
            return name;
        }

        INDArray x(long b, long seed) {
            long[] shape = inputShape.clone();
            shape[0] = b;
            Nd4j.getRandom().setSeed(seed);
            return Nd4j.randn(DataType.DOUBLE, shape);
        }

        INDArray y(long b, long seed) {
            return TestNetworks.oneHot((int) b, classes, seed);
        }
    }

    /** Conv with a 1×1 output (P = 1) and a dense layer of width 1: reductions over axes of size 1. */
    static MultiLayerNetwork edgeShapes(long seed) {
        return TestNetworks.init(TestNetworks.base(seed)
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(2).activation(Activation.SIGMOID).build())
                .layer(new DenseLayer.Builder().nOut(1).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(3, 3, 2)));
    }

    /** Two convolutions with max pooling and tanh, shaped like the Tramèr–Boneh CNN but small. */
    static MultiLayerNetwork smallTramerBoneh(long seed) {
        return TestNetworks.init(TestNetworks.base(seed)
                .layer(new ConvolutionLayer.Builder(4, 4).stride(2, 2).padding(1, 1).nOut(4).activation(Activation.TANH).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(1, 1).build())
                .layer(new ConvolutionLayer.Builder(2, 2).stride(2, 2).nOut(5).activation(Activation.TANH).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(1, 1).build())
                .layer(new DenseLayer.Builder().nOut(6).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(12, 12, 1)));
    }

    static Stream<Arguments> nets() {
        return Stream.of(
                Arguments.of(new Net("mlp", () -> TestNetworks.mlp(1), new long[] {0, 6}, 3)),
                Arguments.of(new Net("cnn", () -> TestNetworks.cnn(2), new long[] {0, 2, 9, 9}, 3)),
                Arguments.of(new Net("pooling+losslayer", () -> TestNetworks.poolingAndLossLayer(3), new long[] {0, 1, 6, 6}, 2)),
                Arguments.of(new Net("edge shapes", () -> edgeShapes(5), new long[] {0, 2, 3, 3}, 3)),
                Arguments.of(new Net("small tramer-boneh", () -> smallTramerBoneh(6), new long[] {0, 1, 12, 12}, 3)));
    }

    /** Norms, clipped sum (random factors) and per-example gradients of one batch. */
    record Result(INDArray norms, INDArray clipped, INDArray perExample) {
    }

    static Result run(PerExampleEngine engine, INDArray x, INDArray y, long seed) {
        PerExampleGradients g = engine.compute(x, y);
        INDArray perExample = g.perExampleGradients();
        INDArray norms = g.layerSquaredNorms().dup();
        Nd4j.getRandom().setSeed(seed);
        g.writeClippedSum(Nd4j.rand(DataType.DOUBLE, x.size(0)));
        INDArray clipped = engine.network().getFlattenedGradients().dup();
        g.release();
        return new Result(norms, clipped, perExample);
    }

    static void assertSame(Result expected, Result actual, String what) {
        assertClose(expected.norms(), actual.norms(), 1e-12, what + " norms");
        assertClose(expected.clipped(), actual.clipped(), 1e-12, what + " clipped sum");
        assertClose(expected.perExample(), actual.perExample(), 1e-12, what + " per-example gradients");
    }

    @ParameterizedTest
    @MethodSource("nets")
    void reusedBuffersGiveTheResultsOfAFreshEngine(Net n) {
        MultiLayerNetwork net = n.net().get();
        PerExampleEngine reused = PerExampleEngine.of(net);
        assertFalse(reused.usesFallback(), reused.fallbackReason());
        long[] sizes = {7, 3, 9, 9, 1, 5, 12};
        for (int k = 0; k < sizes.length; k++) {
            INDArray x = n.x(sizes[k], 100 + k);
            INDArray y = n.y(sizes[k], 200 + k);
            Result r = run(reused, x, y, 300 + k);
            Result fresh = run(PerExampleEngine.of(net), x, y, 300 + k);
            assertSame(fresh, r, n + " batch " + k + " (size " + sizes[k] + ")");
        }
        assertTrue(reused.bufferedElements() > 0 || n.name().equals("mlp"));
    }

    @ParameterizedTest
    @MethodSource("nets")
    void staleBufferContentsNeverReachAResult(Net n) {
        MultiLayerNetwork net = n.net().get();
        PerExampleEngine engine = PerExampleEngine.of(net);
        run(engine, n.x(9, 1), n.y(9, 2), 3);
        INDArray x = n.x(6, 4);
        INDArray y = n.y(6, 5);
        engine.poisonBuffers();
        Result poisoned = run(engine, x, y, 6);
        assertFalse(poisoned.norms().isNaN().any() || poisoned.clipped().isNaN().any() || poisoned.perExample().isNaN().any(),
                n + ": NaN from a stale buffer");
        assertSame(run(PerExampleEngine.of(net), x, y, 6), poisoned, n + " after poisoning");
        // and the results equal DL4J's own batch-size-1 gradients
        INDArray ref = PerExampleExactnessTest.referenceGradients(net, x, y);
        assertClose(ref, poisoned.perExample(), 1e-10, n + " vs DL4J");
    }

    @ParameterizedTest
    @MethodSource("nets")
    void releasedBuffersAreAllocatedAgain(Net n) {
        MultiLayerNetwork net = n.net().get();
        PerExampleEngine engine = PerExampleEngine.of(net);
        Result before = run(engine, n.x(5, 1), n.y(5, 2), 3);
        engine.releaseBuffers();
        assertEquals(0, engine.bufferedElements());
        assertSame(before, run(engine, n.x(5, 1), n.y(5, 2), 3), n + " after release");
    }

    static List<ConvolutionStep> convSteps(PerExampleEngine engine) {
        List<ConvolutionStep> out = new ArrayList<>();
        for (LayerStep s : engine.steps()) {
            if (s instanceof ConvolutionStep c) {
                out.add(c);
            }
        }
        return out;
    }

    @Test
    void materializedGhostAndChunkedNormsAgree() {
        Net n = new Net("small tramer-boneh", () -> smallTramerBoneh(6), new long[] {0, 1, 12, 12}, 3);
        MultiLayerNetwork net = n.net().get();
        INDArray x = n.x(11, 7);
        INDArray y = n.y(11, 8);
        PerExampleEngine engine = PerExampleEngine.of(net);
        List<ConvolutionStep> convs = convSteps(engine);
        assertEquals(2, convs.size());
        Result byCost = run(engine, x, y, 9);
        for (ConvolutionStep c : convs) {
            // with everything fitting the budget, materialising is cheapest: it also gives the clipped sum
            assertEquals(ConvolutionStep.NormMethod.MATERIALIZED, c.lastMethod());
        }
        for (ConvolutionStep.NormMethod m : ConvolutionStep.NormMethod.values()) {
            for (long budget : new long[] {ConvolutionStep.DEFAULT_BUDGET, 1, 300}) {
                for (ConvolutionStep c : convs) {
                    c.forceNormMethod(m);
                    c.budget(budget);
                }
                Result r = run(engine, x, y, 9);
                for (ConvolutionStep c : convs) {
                    assertEquals(m, c.lastMethod());
                }
                assertSame(byCost, r, m + " with budget " + budget);
            }
        }
        // by cost, without room to keep the per-example gradients, the cheaper exact norm method is chosen
        for (ConvolutionStep c : convs) {
            c.forceNormMethod(null);
            c.budget(1);
        }
        assertSame(byCost, run(engine, x, y, 9), "chosen by cost with budget 1");
    }

    @ParameterizedTest
    @MethodSource("nets")
    void splittingOverThreadsGivesTheSerialResults(Net n) {
        MultiLayerNetwork net = n.net().get();
        INDArray x = n.x(37, 11);
        INDArray y = n.y(37, 12);
        Result serial;
        Result split;
        try {
            Parallel.enabled = false;
            serial = run(PerExampleEngine.of(net), x, y, 13);
            Parallel.enabled = true;
            Parallel.threadsOverride = 3;
            split = run(PerExampleEngine.of(net), x, y, 13); // 37 examples: ranges of 12, 12 and 13
            PerExampleEngine chunked = PerExampleEngine.of(net);
            for (ConvolutionStep c : convSteps(chunked)) {
                c.budget(25L * c.perExampleGradientSize()); // chunks of 25 examples, each split again
            }
            assertSame(serial, run(chunked, x, y, 13), n + " chunked and split");
        } finally {
            Parallel.enabled = true;
            Parallel.threadsOverride = 0;
        }
        assertSame(serial, split, n + " split over 3 threads");
    }

    @Test
    void nestedSplitsDoNotDeadlock() throws Exception {
        java.util.concurrent.atomic.AtomicLong covered = new java.util.concurrent.atomic.AtomicLong();
        Parallel.threadsOverride = 2;
        try {
            java.util.concurrent.CompletableFuture.runAsync(() -> Parallel.forRanges(40, 1,
                    (from, to) -> Parallel.forRanges(to - from, 1, (f, t) -> covered.addAndGet(t - f))))
                    .get(30, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            Parallel.threadsOverride = 0;
        }
        assertEquals(40, covered.get());
    }

    @Test
    void aResultUsedAfterTheNextBatchIsRefused() {
        MultiLayerNetwork net = TestNetworks.cnn(2);
        PerExampleEngine engine = PerExampleEngine.of(net);
        INDArray x = TestNetworks.randn(21, 4, 2, 9, 9);
        INDArray y = TestNetworks.oneHot(4, 3, 22);
        PerExampleGradients first = engine.compute(x, y);
        INDArray norms = first.norms();
        engine.compute(x, y);
        assertThrows(IllegalStateException.class, first::perExampleGradients);
        assertThrows(IllegalStateException.class, () -> first.writeClippedSum(Nd4j.ones(DataType.DOUBLE, 4)));
        assertClose(norms, first.norms(), 0, "norms computed before the next batch stay available");
    }

    @Test
    void floatEngineAgreesWithDouble() {
        MultiLayerNetwork dbl = smallTramerBoneh(6);
        MultiLayerNetwork flt = dbl.convertDataType(DataType.FLOAT);
        INDArray x = TestNetworks.randn(31, 10, 1, 12, 12);
        INDArray y = TestNetworks.oneHot(10, 3, 32);
        Result d = run(PerExampleEngine.of(dbl), x, y, 1);
        Result f = run(PerExampleEngine.of(flt), x.castTo(DataType.FLOAT), y.castTo(DataType.FLOAT), 1);
        assertClose(d.norms(), f.norms().castTo(DataType.DOUBLE), 1e-5, "float norms");
        assertClose(d.clipped(), f.clipped().castTo(DataType.DOUBLE), 1e-5, "float clipped sum");
    }
}
