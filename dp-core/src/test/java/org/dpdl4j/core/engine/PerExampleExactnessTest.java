package org.dpdl4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.LongFunction;
import java.util.stream.Stream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * For every supported layer type, in double precision: each example's gradient from the one-pass
 * engine equals DL4J's own gradient for that example alone (batch size 1) to 1e-10 relative, the
 * per-example norms match, and the clipped sum equals Σ c_i g_i computed by brute force.
 */
class PerExampleExactnessTest {

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    record Case(String name, MultiLayerNetwork net, INDArray x, INDArray y) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> cases() {
        int b = 7;
        return Stream.of(
                Arguments.of(new Case("dense+layernorm+softmax", TestNetworks.mlp(1), TestNetworks.randn(11, b, 6),
                        TestNetworks.oneHot(b, 3, 12))),
                Arguments.of(new Case("conv+maxpool+sameconv+avgpool+dense", TestNetworks.cnn(2),
                        TestNetworks.randn(21, b, 2, 9, 9), TestNetworks.oneHot(b, 3, 22))),
                Arguments.of(new Case("conv+activation+globalmax+dropout+losslayer(mse)", TestNetworks.poolingAndLossLayer(3),
                        TestNetworks.randn(31, b, 1, 6, 6), TestNetworks.randn(32, b, 2))),
                Arguments.of(new Case("conv+globalavg+sigmoid/xent", TestNetworks.sigmoidXent(4),
                        TestNetworks.randn(41, b, 2, 5, 5), Nd4j.rand(DataType.DOUBLE, b, 4).gt(0.5).castTo(DataType.DOUBLE))));
    }

    /** Reference: DL4J's gradient of example i alone. */
    static INDArray referenceGradients(MultiLayerNetwork net, INDArray x, INDArray y) {
        long b = x.size(0);
        INDArray ref = Nd4j.create(DataType.DOUBLE, b, net.numParams());
        for (long i = 0; i < b; i++) {
            INDArray g = net.calculateGradients(x.get(NDArrayIndex.interval(i, i + 1)), y.get(NDArrayIndex.interval(i, i + 1)),
                    null, null).getFirst().gradient();
            ref.getRow(i).assign(g.reshape(1, net.numParams()));
        }
        return ref;
    }

    static void assertClose(INDArray expected, INDArray actual, double rel, String what) {
        double scale = Math.max(expected.norm2Number().doubleValue(), 1e-300);
        double err = expected.sub(actual).norm2Number().doubleValue();
        assertTrue(err <= rel * scale, what + ": relative error " + err / scale + "\nexpected " + expected + "\nactual " + actual);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void perExampleGradientsEqualBatchSizeOneGradients(Case c) {
        PerExampleEngine engine = PerExampleEngine.of(c.net());
        assertFalse(engine.usesFallback(), "engine should implement " + c.name() + ": " + engine.fallbackReason());
        INDArray ref = referenceGradients(c.net(), c.x(), c.y());
        PerExampleGradients g = engine.compute(c.x(), c.y());
        INDArray per = g.perExampleGradients();
        for (long i = 0; i < c.x().size(0); i++) {
            assertClose(ref.getRow(i), per.getRow(i), 1e-10, c.name() + " example " + i);
        }
        INDArray refNorms = ref.norm2(1);
        assertClose(refNorms, g.norms(), 1e-10, c.name() + " norms");
    }

    @ParameterizedTest
    @MethodSource("cases")
    void clippedSumEqualsBruteForce(Case c) {
        PerExampleEngine engine = PerExampleEngine.of(c.net());
        INDArray ref = referenceGradients(c.net(), c.x(), c.y());
        long b = c.x().size(0);
        Nd4j.getRandom().setSeed(5);
        INDArray factors = Nd4j.rand(DataType.DOUBLE, b);
        PerExampleGradients g = engine.compute(c.x(), c.y());
        g.writeClippedSum(factors);
        INDArray expected = factors.reshape(1, b).mmul(ref);
        assertClose(expected, c.net().getFlattenedGradients().reshape(1, c.net().numParams()), 1e-10, c.name() + " clipped sum");
    }
}
