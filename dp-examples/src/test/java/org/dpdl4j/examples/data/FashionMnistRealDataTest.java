package org.dpdl4j.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The installed Debian data set; skipped with an explanation when it is not installed. */
class FashionMnistRealDataTest {

    @Test
    void trainingSetHas60000BalancedExamplesInUnitRange() {
        long t0 = System.nanoTime();
        FashionMnist train = RealData.train();
        System.out.printf("Fashion-MNIST train parsed in %.0f ms (0 if cached)%n", (System.nanoTime() - t0) / 1e6);
        check(train, FashionMnist.TRAIN_SIZE);
    }

    @Test
    void testSetHas10000BalancedExamplesInUnitRange() {
        check(RealData.test(), FashionMnist.TEST_SIZE);
    }

    @Test
    void validationSplitComesFromTheTrainingSet() {
        FashionMnist.Split split = RealData.train().split(5_000, 42);
        assertEquals(55_000, split.train().size());
        assertEquals(5_000, split.validation().size());
        assertEquals(RealData.train().name() + "/validation(5000, seed 42)", split.validation().name());
    }

    private static void check(FashionMnist data, int expectedSize) {
        assertEquals(expectedSize, data.size());
        int[] counts = new int[FashionMnist.CLASSES];
        for (int label : data.labels()) {
            counts[label]++;
        }
        int[] balanced = new int[FashionMnist.CLASSES];
        java.util.Arrays.fill(balanced, expectedSize / FashionMnist.CLASSES);
        assertArrayEquals(balanced, counts, "Fashion-MNIST classes are exactly balanced");

        INDArray x = data.features();
        assertArrayEquals(new long[] {expectedSize, 784}, x.shape());
        assertEquals(DataType.FLOAT, x.dataType());
        assertEquals(0.0, x.minNumber().doubleValue());
        assertEquals(1.0, x.maxNumber().doubleValue());
        assertArrayEquals(new long[] {expectedSize, 10}, data.oneHotLabels().shape());
        assertEquals(expectedSize, data.oneHotLabels().sumNumber().intValue());
    }
}
