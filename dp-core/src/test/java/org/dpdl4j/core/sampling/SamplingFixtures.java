package org.dpdl4j.core.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Datasets whose rows name themselves, so a test can check that a batch holds exactly the rows its indices say. */
final class SamplingFixtures {

    private SamplingFixtures() {
    }

    /** Features [n, 2, 3] with every entry of row i equal to i; labels [n, 4] with row i equal to i + 0.5. */
    static InMemoryDataset labelledRows(int n) {
        INDArray ids = Nd4j.arange(n).castTo(DataType.DOUBLE).reshape(n, 1);
        INDArray features = ids.repeat(1, 6).reshape('c', n, 2, 3).castTo(DataType.FLOAT);
        INDArray labels = ids.add(0.5).repeat(1, 4).castTo(DataType.FLOAT);
        return InMemoryDataset.of(features, labels);
    }

    /** Asserts that row r of the batch is dataset row indices[r], in features and labels. */
    static void assertRowsMatchIndices(Batch batch) {
        assertEquals(batch.size(), batch.features().size(0));
        assertEquals(batch.size(), batch.labels().size(0));
        assertEquals(3, batch.features().rank());
        for (int r = 0; r < batch.size(); r++) {
            long id = batch.indices()[r];
            assertEquals(id, batch.features().getDouble(r, 1, 2), 0.0, "features row " + r);
            assertEquals(id, batch.features().getDouble(r, 0, 0), 0.0, "features row " + r);
            assertEquals(id + 0.5, batch.labels().getDouble(r, 3), 0.0, "labels row " + r);
        }
    }

    /** Per-record inclusion counts over {@code steps} steps (indices only: gathering rows would dominate the run time). */
    static long[] inclusionCounts(AbstractSampler sampler, int steps) {
        long[] counts = new long[sampler.datasetSize()];
        for (int s = 0; s < steps; s++) {
            for (long i : sampler.nextStep()) {
                counts[(int) i]++;
            }
        }
        return counts;
    }
}
