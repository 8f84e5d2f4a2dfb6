package org.dpdl4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.convolution.Convolution;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The Java im2col loops equal libnd4j's op on random geometries, in float and double, split or not. */
class UnfoldTest {

    @Test
    void im2colAndCol2imEqualLibnd4j() {
        Random r = new Random(42);
        int checked = 0;
        for (int trial = 0; trial < 80; trial++) {
            DataType t = trial % 2 == 0 ? DataType.DOUBLE : DataType.FLOAT;
            int b = 1 + r.nextInt(9);
            int c = 1 + r.nextInt(3);
            int h = 3 + r.nextInt(9);
            int w = 3 + r.nextInt(9);
            int[] k = {1 + r.nextInt(Math.min(4, h)), 1 + r.nextInt(Math.min(4, w))};
            int[] s = {1 + r.nextInt(3), 1 + r.nextInt(3)};
            int[] d = {1 + (trial % 5 == 0 ? 1 : 0), 1};
            ConvolutionMode mode = trial % 3 == 0 ? ConvolutionMode.Same : ConvolutionMode.Truncate;
            int[] p = mode == ConvolutionMode.Same ? new int[2] : new int[] {r.nextInt(3), r.nextInt(3)};
            // a contiguous view with an offset, as the engine receives from other steps
            INDArray big = Nd4j.rand(t, b + 2, c, h, w).subi(0.5);
            INDArray x = big.get(NDArrayIndex.interval(1, b + 1));
            if ((long) (k[0] - 1) * d[0] + 1 > h + 2L * p[0] || (long) (k[1] - 1) * d[1] + 1 > w + 2L * p[1]) {
                continue;
            }
            ConvGeometry g;
            try {
                g = ConvGeometry.of(x, k, s, p, d, mode);
            } catch (IllegalStateException | IllegalArgumentException | org.deeplearning4j.exception.DL4JException e) {
                continue; // a geometry DL4J itself rejects
            }
            if (g.outH() < 1 || g.outW() < 1) {
                continue;
            }
            checked++;
            String what = "trial " + trial + " " + t + " b" + b + " c" + c + " " + h + "x" + w + " k" + k[0] + "x" + k[1] + " s"
                    + s[0] + "x" + s[1] + " p" + g.pad()[0] + "x" + g.pad()[1] + " d" + d[0] + " " + mode;
            INDArray expected = Nd4j.create(t, b, c, k[0], k[1], g.outH(), g.outW());
            Convolution.im2col(x, k[0], k[1], s[0], s[1], g.pad()[0], g.pad()[1], d[0], d[1], mode == ConvolutionMode.Same,
                    expected);
            INDArray actual = Nd4j.valueArrayOf(expected.shape(), Double.NaN, t);
            Unfold u = new Unfold(c, h, w, k, s, g.pad(), d, g.outH(), g.outW());
            assertTrue(Unfold.supports(x, actual));
            Parallel.threadsOverride = 1 + trial % 3;
            try {
                u.im2col(x, actual);
                assertEquals(expected, actual, "im2col " + what);
            } finally {
                Parallel.threadsOverride = 0;
            }
        }
        assertTrue(checked >= 40, "only " + checked + " geometries checked");
    }

    @Test
    void nonContiguousOrOtherTypesAreLeftToLibnd4j() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3, 5, 5);
        INDArray col = Nd4j.create(DataType.DOUBLE, 2, 3, 2, 2, 4, 4);
        assertTrue(Unfold.supports(x, col));
        assertFalse(Unfold.supports(x.permute(0, 1, 3, 2), col));
        assertFalse(Unfold.supports(x.castTo(DataType.HALF), col.castTo(DataType.HALF)));
        assertFalse(Unfold.supports(x, col.castTo(DataType.FLOAT)));
    }
}
