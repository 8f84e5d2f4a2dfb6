package org.dpdl4j.core.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.NeighbouringRelation;
import org.dpdl4j.accountant.event.SampledWithoutReplacementEvent;
import org.junit.jupiter.api.Test;

/** Independent fixed-size and full-batch samplers. */
class FixedSizeSamplersTest {

    @Test
    void fixedSizeBatchesAreUniformSubsetsDrawnIndependently() {
        int n = 20;
        int b = 5;
        FixedSizeSampler sampler = FixedSizeSampler.seeded(SamplingFixtures.labelledRows(n), b, 3);
        int steps = 20_000;
        long[] counts = new long[n];
        int repeatsInNextStep = 0;
        long[] previous = null;
        for (int s = 0; s < steps; s++) {
            long[] indices;
            if (s < 50) {
                Batch batch = sampler.next();
                assertEquals(b, batch.size());
                SamplingFixtures.assertRowsMatchIndices(batch);
                indices = batch.indices();
            } else {
                indices = sampler.nextStep();
            }
            assertEquals(b, Arrays.stream(indices).distinct().count(), "records in a batch are distinct");
            for (long i : indices) {
                counts[(int) i]++;
            }
            if (previous != null) {
                for (long i : indices) {
                    if (Arrays.binarySearch(previous, i) >= 0) {
                        repeatsInNextStep++;
                    }
                }
            }
            previous = indices;
        }
        double expected = steps * (double) b / n;
        for (int i = 0; i < n; i++) {
            assertEquals(expected, counts[i], 6 * Math.sqrt(expected), "record " + i);
        }
        // Independence: a record of one batch is in the next with probability b/N = 1/4.
        double expectedRepeats = (steps - 1) * b * (double) b / n;
        assertEquals(1.0, repeatsInNextStep / expectedRepeats, 0.05);
    }

    @Test
    void withoutReplacementEventsUseTheReplaceOneHalfSigmaConvention() {
        InMemoryDataset data = SamplingFixtures.labelledRows(1000);
        SampledWithoutReplacementEvent expected =
                new SampledWithoutReplacementEvent(64, 1000, new GaussianEvent(0.55, NeighbouringRelation.REPLACE_ONE));
        assertEquals(expected, FixedSizeSampler.secure(data, 64).stepEvent(1.1));
        assertEquals(64.0, FixedSizeSampler.secure(data, 64).normalizer());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FixedSizeSampler.secure(data, 64).stepEvent(-1));
        assertTrue(e.getMessage().contains("noise multiplier"), e.getMessage());
    }

    @Test
    void batchSizeOutsideOneToNIsRefused() {
        InMemoryDataset data = SamplingFixtures.labelledRows(10);
        for (int b : new int[] {0, -1, 11}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FixedSizeSampler.seeded(data, b, 1));
            assertTrue(e.getMessage().contains("[1, N=10]"), e.getMessage());
        }
        assertEquals(1, FixedSizeSampler.secure(data, 10).stepsPerEpoch());
    }

    @Test
    void fixedSizeRestoreMovesToTheNextStream() {
        InMemoryDataset data = SamplingFixtures.labelledRows(100);
        FixedSizeSampler original = FixedSizeSampler.seeded(data, 10, 5);
        original.next();
        SamplerState checkpoint = original.state();
        long[] continued = original.next().indices();
        FixedSizeSampler resumed = FixedSizeSampler.seeded(data, 10, 5);
        resumed.restore(checkpoint);
        assertEquals(1, resumed.streamId());
        assertFalse(Arrays.equals(continued, resumed.next().indices()));
        assertThrows(IllegalArgumentException.class, () -> FixedSizeSampler.seeded(data, 20, 5).restore(checkpoint),
                "a sampler with another batch size must not resume this run");
    }

    @Test
    void fullBatchUsesEveryRecordEveryStep() {
        InMemoryDataset data = SamplingFixtures.labelledRows(50);
        FullBatchSampler sampler = new FullBatchSampler(data);
        for (int s = 0; s < 3; s++) {
            Batch batch = sampler.next();
            assertEquals(50, batch.size());
            assertSame(data.features(), batch.features());
            SamplingFixtures.assertRowsMatchIndices(batch);
        }
        assertEquals(GaussianEvent.of(10.0), sampler.stepEvent(10.0));
        assertEquals(50.0, sampler.normalizer());
        assertEquals(1, sampler.stepsPerEpoch());
        assertTrue(sampler.secure());
        SamplerState state = sampler.state();
        assertEquals(3, state.epoch());
        FullBatchSampler resumed = new FullBatchSampler(data);
        resumed.restore(state);
        assertEquals(3, resumed.state().stepsTaken());
        assertTrue(sampler.description().contains("full batch"));
    }

    @Test
    void samplerStateIsSerializable() throws Exception {
        SamplerState state = FixedSizeSampler.seeded(SamplingFixtures.labelledRows(30), 3, 8).state();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(state);
        }
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(state, in.readObject());
        }
    }
}
