package org.dpdl4j.core.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class InMemoryDatasetTest {

    @Test
    void collectsAnIteratorIntoMemory() {
        InMemoryDataset reference = SamplingFixtures.labelledRows(25);
        List<DataSet> rows = new DataSet(reference.features(), reference.labels()).asList();
        InMemoryDataset collected = InMemoryDataset.collect(new ListDataSetIterator<>(rows, 7));
        assertEquals(25, collected.size());
        assertEquals(reference.features(), collected.features());
        assertEquals(reference.labels(), collected.labels());
        SamplingFixtures.assertRowsMatchIndices(collected.gather(new long[] {24, 0, 13}));
    }

    @Test
    void collectRefusesSourcesAboveTheLimit() {
        InMemoryDataset reference = SamplingFixtures.labelledRows(25);
        List<DataSet> rows = new DataSet(reference.features(), reference.labels()).asList();
        // Each record is 6 + 4 floats = 40 bytes.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InMemoryDataset.collect(new ListDataSetIterator<>(rows, 10), 999));
        assertTrue(e.getMessage().contains("more than 999 bytes"), e.getMessage());
        assertEquals(25, InMemoryDataset.collect(new ListDataSetIterator<>(rows, 10), 1000).size());
        assertThrows(IllegalArgumentException.class, () -> InMemoryDataset.collect(new ListDataSetIterator<>(List.<DataSet>of(), 10)));
    }

    @Test
    void validationMessages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InMemoryDataset.of(Nd4j.create(DataType.FLOAT, 0, 3), Nd4j.create(DataType.FLOAT, 0, 2)));
        assertTrue(e.getMessage().contains("N = 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> InMemoryDataset.of(Nd4j.zeros(DataType.FLOAT, 5, 3), Nd4j.zeros(DataType.FLOAT, 4, 2)));
        assertTrue(e.getMessage().contains("features have 5 rows but labels have 4"), e.getMessage());

        INDArray features = Nd4j.zeros(DataType.FLOAT, 10_000, 2, 2);
        features.putScalar(new long[] {7321, 1, 0}, Float.NaN);
        features.putScalar(new long[] {9000, 0, 0}, Float.POSITIVE_INFINITY);
        e = assertThrows(IllegalArgumentException.class, () -> InMemoryDataset.of(features, Nd4j.zeros(DataType.FLOAT, 10_000, 1)));
        assertTrue(e.getMessage().contains("features") && e.getMessage().contains("row 7321"), e.getMessage());

        INDArray labels = Nd4j.zeros(DataType.DOUBLE, 3, 2);
        labels.putScalar(2, 1, Double.NEGATIVE_INFINITY);
        e = assertThrows(IllegalArgumentException.class, () -> InMemoryDataset.of(Nd4j.zeros(DataType.FLOAT, 3, 2), labels));
        assertTrue(e.getMessage().contains("labels") && e.getMessage().contains("row 2"), e.getMessage());
    }

    @Test
    void aGatheredMatrixBatchOwnsItsBufferSoItCanBeFreedAfterTheStep() {
        InMemoryDataset data = InMemoryDataset.of(Nd4j.rand(DataType.FLOAT, 20, 6), Nd4j.eye(20).castTo(DataType.FLOAT));
        Batch b = data.gather(new long[] {3, 9, 1});
        assertTrue(b.features().closeable(), "fresh copy, not a view");
        assertTrue(b.labels().closeable());
        INDArray row9 = data.features().getRow(9).dup();
        assertEquals(row9, b.features().getRow(1));
        b.features().close();
        assertEquals(row9, data.features().getRow(9), "the dataset is untouched");
    }

    @Test
    void gatherWorksForRankTwoAndRankOneAndFortranOrder() {
        INDArray features = Nd4j.create(DataType.DOUBLE, new long[] {6, 3}, 'f');
        for (int i = 0; i < 6; i++) {
            features.getRow(i).assign(i);
        }
        INDArray labels = Nd4j.arange(6).castTo(DataType.DOUBLE);
        InMemoryDataset data = InMemoryDataset.of(features, labels);
        Batch b = data.gather(new long[] {5, 2});
        assertArrayEquals(new double[] {5, 5, 5}, b.features().getRow(0).toDoubleVector());
        assertArrayEquals(new double[] {2, 2, 2}, b.features().getRow(1).toDoubleVector());
        assertArrayEquals(new double[] {5, 2}, b.labels().toDoubleVector());
        Batch empty = data.gather(new long[0]);
        assertArrayEquals(new long[] {0, 3}, empty.features().shape());
        assertArrayEquals(new long[] {0}, empty.labels().shape());
    }

    @Test
    void batchValidatesItsParts() {
        assertThrows(IllegalArgumentException.class,
                () -> new Batch(Nd4j.zeros(DataType.FLOAT, 2, 3), Nd4j.zeros(DataType.FLOAT, 2, 1), 3, new long[] {0, 1, 2}));
        assertThrows(IllegalArgumentException.class,
                () -> new Batch(Nd4j.zeros(DataType.FLOAT, 2, 3), Nd4j.zeros(DataType.FLOAT, 2, 1), 2, new long[] {0}));
        assertThrows(NullPointerException.class, () -> new Batch(null, Nd4j.zeros(DataType.FLOAT, 0, 1), 0, new long[0]));
    }
}
