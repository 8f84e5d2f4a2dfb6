package org.dpdl4j.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** FashionMnist on synthetic files in the real layout: runs whether or not the Debian package is installed. */
class FashionMnistTest {

    private static final int TRAIN = 120;
    private static final int TEST = 30;

    @TempDir
    Path dir;

    @Test
    void loadsTheLayoutIntoFloatArraysOfTheRightShapes() throws IOException {
        IdxFixtures.writeFashionMnistLayout(dir, TRAIN, TEST);
        FashionMnist train = FashionMnist.train(dir);
        FashionMnist test = FashionMnist.test(dir);
        assertEquals(TRAIN, train.size());
        assertEquals(TEST, test.size());

        INDArray x = train.features();
        assertArrayEquals(new long[] {TRAIN, 784}, x.shape());
        assertEquals(DataType.FLOAT, x.dataType());
        assertEquals((5 * 7) / 255f, x.getFloat(5, 0));
        assertEquals((5 * 7) / 255f, x.getFloat(5, 783));

        INDArray images = train.imageFeatures();
        assertArrayEquals(new long[] {TRAIN, 1, 28, 28}, images.shape());
        assertEquals(x.getFloat(7, 28 * 3 + 4), images.getFloat(7, 0, 3, 4));

        INDArray y = train.oneHotLabels();
        assertArrayEquals(new long[] {TRAIN, 10}, y.shape());
        assertEquals(DataType.FLOAT, y.dataType());
        assertEquals(TRAIN, y.sumNumber().intValue());
        assertEquals(1f, y.getFloat(13, 3));
        assertEquals(3, train.label(13));
        assertEquals(3, train.labels()[13]);

        assertArrayEquals(new long[] {TRAIN, 784}, train.toDataSet().getFeatures().shape());
        assertArrayEquals(new long[] {TRAIN, 1, 28, 28}, train.toImageDataSet().getFeatures().shape());
    }

    @Test
    void returnedArraysDoNotAliasTheData() throws IOException {
        IdxFixtures.writeFashionMnistLayout(dir, TRAIN, TEST);
        FashionMnist train = FashionMnist.train(dir);
        train.features().assign(-1);
        train.labels()[0] = 9;
        assertEquals(0f, train.features().getFloat(0, 0));
        assertEquals(0, train.label(0));
    }

    @Test
    void subsetIsDeterministicInTheSeedAndKeepsOrder() throws IOException {
        IdxFixtures.writeFashionMnistLayout(dir, TRAIN, TEST);
        FashionMnist train = FashionMnist.train(dir);
        int[] a = ids(train.subset(40, 7));
        assertArrayEquals(a, ids(train.subset(40, 7)));
        assertFalse(Arrays.equals(a, ids(train.subset(40, 8))));
        assertEquals(40, Arrays.stream(a).distinct().count());
        for (int i = 1; i < a.length; i++) {
            assertTrue(a[i - 1] < a[i], "subset should keep the original order");
        }
        FashionMnist s = train.subset(40, 7);
        for (int k = 0; k < s.size(); k++) {
            assertEquals(a[k] % 10, s.label(k), "label must travel with its image");
        }
        assertEquals(TRAIN, train.subset(TRAIN, 1).size());
        assertThrows(IllegalArgumentException.class, () -> train.subset(TRAIN + 1, 1));
    }

    @Test
    void splitIsDisjointCompleteAndDeterministic() throws IOException {
        IdxFixtures.writeFashionMnistLayout(dir, TRAIN, TEST);
        FashionMnist train = FashionMnist.train(dir);
        FashionMnist.Split split = train.split(25, 3);
        assertEquals(TRAIN - 25, split.train().size());
        assertEquals(25, split.validation().size());
        Set<Integer> seen = new HashSet<>();
        for (int id : ids(split.train())) {
            assertTrue(seen.add(id));
        }
        for (int id : ids(split.validation())) {
            assertTrue(seen.add(id), "example " + id + " is in both parts");
        }
        assertEquals(TRAIN, seen.size());
        assertArrayEquals(ids(split.validation()), ids(train.split(25, 3).validation()));
        assertFalse(Arrays.equals(ids(split.validation()), ids(train.split(25, 4).validation())));
        assertTrue(split.validation().name().contains("validation"));
        assertArrayEquals(ids(split.validation()), train.validationIndices(25, 3), "the stated indices are the held-out ones");
    }

    @Test
    void directoryComesFromThePropertyThenTheDefault() throws IOException {
        String old = System.getProperty(FashionMnist.DIR_VARIABLE);
        try {
            System.setProperty(FashionMnist.DIR_VARIABLE, dir.toString());
            assertEquals(dir, FashionMnist.directory());
            assertFalse(FashionMnist.isAvailable());
            IdxFixtures.writeFashionMnistLayout(dir, TRAIN, TEST);
            assertTrue(FashionMnist.isAvailable());
            assertEquals(TEST, FashionMnist.test().size());
            FashionMnist.Split tv = FashionMnist.trainValidation(20, 1);
            assertEquals(TRAIN - 20, tv.train().size());

            System.clearProperty(FashionMnist.DIR_VARIABLE);
            if (System.getenv(FashionMnist.DIR_VARIABLE) == null) {
                assertEquals(Path.of(FashionMnist.DEFAULT_DIR), FashionMnist.directory());
            }
        } finally {
            if (old == null) {
                System.clearProperty(FashionMnist.DIR_VARIABLE);
            } else {
                System.setProperty(FashionMnist.DIR_VARIABLE, old);
            }
        }
    }

    @Test
    void missingDirectoryExplainsHowToInstall() {
        Path nowhere = dir.resolve("nowhere");
        DatasetFileException e = assertThrows(DatasetFileException.class, () -> FashionMnist.train(nowhere));
        assertTrue(e.getMessage().contains(nowhere.resolve(FashionMnist.TRAIN_IMAGES).toString()), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install dataset-fashion-mnist"), e.getMessage());
        assertTrue(e.getMessage().contains(FashionMnist.DIR_VARIABLE), e.getMessage());
    }

    @Test
    void imageAndLabelCountsMustAgree() throws IOException {
        IdxFixtures.writeFashionMnistLayout(dir, TRAIN, TEST);
        DatasetFileException e = assertThrows(DatasetFileException.class, () -> FashionMnist.load("mixed",
                dir.resolve(FashionMnist.TRAIN_IMAGES), dir.resolve(FashionMnist.TEST_LABELS)));
        assertTrue(e.getMessage().contains(TRAIN + " images") && e.getMessage().contains(TEST + " labels"),
                e.getMessage());
        assertTrue(Files.exists(e.file()));
    }

    /** Recovers each example's original index from its pixel value, (index * 7) mod 256, unique for index < 256. */
    private static int[] ids(FashionMnist data) {
        INDArray x = data.features();
        int[] ids = new int[data.size()];
        for (int k = 0; k < ids.length; k++) {
            int v = Math.round(x.getFloat(k, 0) * 255);
            int id = 0;
            while ((id * 7) % 256 != v) {
                id++;
            }
            ids[k] = id;
        }
        return ids;
    }
}
