package org.dpdl4j.dl4j.postprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GroupNormalizeTest {

    @TempDir
    Path dir;

    /** Direct computation of one row: groups of (C/G)·spatial consecutive values, biased variance. */
    static double[] expected(double[] row, int groups, double eps) {
        int size = row.length / groups;
        double[] out = new double[row.length];
        for (int g = 0; g < groups; g++) {
            double mean = 0;
            for (int i = 0; i < size; i++) {
                mean += row[g * size + i];
            }
            mean /= size;
            double var = 0;
            for (int i = 0; i < size; i++) {
                var += Math.pow(row[g * size + i] - mean, 2);
            }
            var /= size;
            for (int i = 0; i < size; i++) {
                out[g * size + i] = (row[g * size + i] - mean) / Math.sqrt(var + eps);
            }
        }
        return out;
    }

    @Test
    void normalisesEachGroupOfEachRowOnItsOwn() {
        Random r = new Random(1);
        int n = 5;
        int d = 81 * 49;
        double[] data = new double[n * d];
        for (int i = 0; i < data.length; i++) {
            data[i] = r.nextGaussian() * (1 + i % 7) + (i / 147) % 5;
        }
        INDArray x = Nd4j.createFromArray(data).reshape('c', n, d);
        GroupNormalize gn = new GroupNormalize(81, 27);
        INDArray y = gn.apply(x);
        assertArrayEquals(x.shape(), y.shape());
        for (int i = 0; i < n; i++) {
            assertArrayEquals(expected(x.getRow(i).toDoubleVector(), 27, 1e-5), y.getRow(i).toDoubleVector(), 1e-10);
        }
        // One row's output does not depend on the other rows (per-example, unlike BatchNorm).
        INDArray alone = gn.apply(x.getRow(3).reshape(1, d));
        assertArrayEquals(y.getRow(3).toDoubleVector(), alone.getRow(0).toDoubleVector(), 0.0);
        assertEquals(x.getDouble(0, 0), x.dup().getDouble(0, 0), "input is not modified");
        // FLOAT stays FLOAT
        assertEquals(DataType.FLOAT, gn.apply(x.castTo(DataType.FLOAT)).dataType());
    }

    @Test
    void constantGroupsBecomeZeroAndTheStepIsFree() {
        INDArray x = Nd4j.ones(DataType.DOUBLE, 2, 12).muli(3);
        assertEquals(0.0, new GroupNormalize(4, 2).apply(x).norm2Number().doubleValue(), 0.0);
        assertEquals(0.0, new GroupNormalize(4, 2, 0).apply(x).norm2Number().doubleValue(), 0.0);
        assertTrue(new GroupNormalize(81, 27).cost().isFree());
        assertEquals(PrivacyCost.Kind.DATA_INDEPENDENT, new GroupNormalize(81, 27).cost().kind());
    }

    @Test
    void validatesAndSurvivesSerialisation() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> new GroupNormalize(81, 26));
        assertThrows(IllegalArgumentException.class, () -> new GroupNormalize(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new GroupNormalize(4, 2, -1));
        assertThrows(IllegalArgumentException.class, () -> new GroupNormalize(4, 2, Double.NaN));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new GroupNormalize(81, 27).apply(Nd4j.zeros(DataType.FLOAT, 2, 100)));
        assertTrue(e.getMessage().contains("multiple of 81"), e.getMessage());
        FeaturePipeline p = FeaturePipeline.of(new GroupNormalize(81, 27), new L2Normalize(1));
        p.save(dir.resolve("p.bin"));
        FeaturePipeline back = FeaturePipeline.load(dir.resolve("p.bin"));
        assertEquals(p.steps(), back.steps());
        assertEquals(3969, back.outputDimension(3969));
    }
}
