package org.dpdl4j.core.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

class PoissonSamplingIteratorTest {

    @Test
    void yieldsOneEpochIncludingEmptyBatches() {
        // q = 0.01 over N = 50: 100 steps per epoch, P(empty) = 0.99^50 = 0.61.
        PoissonSampler sampler = PoissonSampler.seeded(SamplingFixtures.labelledRows(50), 0.01, 1);
        PoissonSamplingIterator it = sampler.epochIterator();
        assertEquals(100, sampler.stepsPerEpoch());
        for (int epoch = 0; epoch < 2; epoch++) {
            int steps = 0;
            int empty = 0;
            while (it.hasNext()) {
                DataSet ds = it.next();
                steps++;
                if (ds.numExamples() == 0) {
                    empty++;
                    assertEquals(0, ds.getFeatures().size(0));
                    assertEquals(0, ds.getLabels().size(0));
                    assertEquals(3, ds.getFeatures().rank());
                }
            }
            assertEquals(100, steps, "every step of the epoch is returned, empty ones too");
            assertTrue(empty > 40 && empty < 80, "empty batches: " + empty);
            assertThrows(NoSuchElementException.class, it::next);
            it.reset();
        }
        assertEquals(200, sampler.state().stepsTaken());
    }

    @Test
    void iteratorContract() {
        PoissonSampler sampler = PoissonSampler.seeded(SamplingFixtures.labelledRows(200), 0.1, 2);
        PoissonSamplingIterator it = new PoissonSamplingIterator(sampler);
        assertFalse(it.asyncSupported());
        assertTrue(it.resetSupported());
        assertEquals(6, it.inputColumns());
        assertEquals(4, it.totalOutcomes());
        assertEquals(20, it.batch());
        assertThrows(UnsupportedOperationException.class, () -> it.next(5));
        int[] calls = {0};
        it.setPreProcessor(ds -> calls[0]++);
        DataSet ds = it.next();
        assertEquals(ds.numExamples() > 0 ? 1 : 0, calls[0]);
        assertThrows(IllegalArgumentException.class, () -> new PoissonSamplingIterator(null));
    }
}
