package org.dpdl4j.core.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.junit.jupiter.api.Test;

class PoissonSamplerTest {

    private static final int N = 1000;
    private static final double Q = 0.05;
    private static final int STEPS = 4000;

    /**
     * Whether per-record inclusion counts over {@code steps} steps fit rate q: the pooled rate within 3%
     * of q (its standard error here is 0.2% of q, so q·1.1 fails by far), and every record's count within
     * 6 standard deviations of the binomial mean.
     */
    static String rateMismatch(long[] counts, int steps, double q) {
        double total = Arrays.stream(counts).sum();
        double rate = total / ((double) counts.length * steps);
        if (Math.abs(rate / q - 1) > 0.03) {
            return "pooled inclusion rate " + rate + " is not within 3% of q=" + q;
        }
        double mean = steps * q;
        double sd = Math.sqrt(steps * q * (1 - q));
        for (int i = 0; i < counts.length; i++) {
            if (Math.abs(counts[i] - mean) > 6 * sd) {
                return "record " + i + " was included " + counts[i] + " times, expected " + mean + " ± " + 6 * sd;
            }
        }
        return null;
    }

    @Test
    void inclusionRateIsQ() {
        InMemoryDataset data = SamplingFixtures.labelledRows(N);
        assertNull(rateMismatch(SamplingFixtures.inclusionCounts(PoissonSampler.seeded(data, Q, 1), STEPS), STEPS, Q));
        assertNull(rateMismatch(SamplingFixtures.inclusionCounts(PoissonSampler.secure(data, Q), 1000), 1000, Q));
    }

    @Test
    void rateCheckRejectsTenPercentTooHigh() {
        InMemoryDataset data = SamplingFixtures.labelledRows(N);
        long[] counts = SamplingFixtures.inclusionCounts(PoissonSampler.seeded(data, Q * 1.1, 2), STEPS);
        assertNotNull(rateMismatch(counts, STEPS, Q));
    }

    @Test
    void inclusionsAreIndependentAcrossRecords() {
        InMemoryDataset data = SamplingFixtures.labelledRows(N);
        PoissonSampler sampler = PoissonSampler.seeded(data, Q, 3);
        long[] jointAtDistance = new long[4];
        double sizeSum = 0;
        double sizeSquares = 0;
        for (int s = 0; s < STEPS; s++) {
            long[] idx = sampler.nextStep();
            boolean[] in = new boolean[N];
            for (long i : idx) {
                in[(int) i] = true;
            }
            for (int d = 1; d <= 3; d++) {
                for (int i = 0; i + d < N; i++) {
                    if (in[i] && in[i + d]) {
                        jointAtDistance[d]++;
                    }
                }
            }
            sizeSum += idx.length;
            sizeSquares += (double) idx.length * idx.length;
        }
        // Geometric skipping must not couple neighbours: P(i and i+d) = q^2 for every gap d.
        for (int d = 1; d <= 3; d++) {
            double expected = (double) (N - d) * STEPS * Q * Q;
            assertEquals(1.0, jointAtDistance[d] / expected, 0.06, "joint inclusions at distance " + d);
        }
        double meanSize = sizeSum / STEPS;
        double varSize = sizeSquares / STEPS - meanSize * meanSize;
        assertEquals(N * Q, meanSize, 0.5);
        assertEquals(1.0, varSize / (N * Q * (1 - Q)), 0.1, "batch size variance must be binomial");
    }

    @Test
    void geometricGapsHaveTheGeometricDistribution() {
        double q = 0.2;
        double logExcluded = Math.log1p(-q);
        SplittableRandom random = new SplittableRandom(4);
        int draws = 200_000;
        long[] counts = new long[6];
        for (int i = 0; i < draws; i++) {
            long g = PoissonSampler.geometricGap(random, logExcluded, Integer.MAX_VALUE);
            counts[(int) Math.min(g, 5)]++;
        }
        for (int k = 0; k < 5; k++) {
            double p = q * Math.pow(1 - q, k);
            double sd = Math.sqrt(draws * p * (1 - p));
            assertEquals(draws * p, counts[k], 5 * sd, "P(gap = " + k + ")");
        }
        assertEquals(7, PoissonSampler.geometricGap(new SplittableRandom(5), Math.log1p(-1e-12), 7), "gaps are capped at N");
    }

    @Test
    void emptyBatchesOccurAndAreReturned() {
        InMemoryDataset data = SamplingFixtures.labelledRows(100);
        PoissonSampler sampler = PoissonSampler.seeded(data, 0.005, 6);
        int empty = 0;
        for (int s = 0; s < 1000; s++) {
            Batch b = sampler.next();
            if (b.isEmpty()) {
                empty++;
                assertArrayEquals(new long[] {0, 2, 3}, b.features().shape());
                assertArrayEquals(new long[] {0, 4}, b.labels().shape());
                assertEquals(0, b.indices().length);
            }
        }
        // P(empty) = 0.995^100 = 0.606; 1000 steps give 606 ± 15.
        assertTrue(empty > 530 && empty < 680, "empty batches: " + empty);
        assertEquals(1000, sampler.state().stepsTaken(), "every step, empty or not, is a step");
    }

    @Test
    void batchesHoldTheRowsTheirIndicesName() {
        PoissonSampler sampler = PoissonSampler.seeded(SamplingFixtures.labelledRows(500), 0.1, 7);
        for (int s = 0; s < 50; s++) {
            Batch b = sampler.next();
            SamplingFixtures.assertRowsMatchIndices(b);
            for (int r = 1; r < b.size(); r++) {
                assertTrue(b.indices()[r] > b.indices()[r - 1], "indices are distinct and ascending");
            }
            assertTrue(b.size() == 0 || b.indices()[0] >= 0 && b.indices()[b.size() - 1] < 500);
        }
    }

    @Test
    void rateOneTakesEveryRecord() {
        PoissonSampler sampler = PoissonSampler.seeded(SamplingFixtures.labelledRows(37), 1.0, 8);
        Batch b = sampler.next();
        assertEquals(37, b.size());
        SamplingFixtures.assertRowsMatchIndices(b);
        assertEquals(1, sampler.stepsPerEpoch());
    }

    @Test
    void eventNormalizerAndEpoch() {
        PoissonSampler sampler = PoissonSampler.secure(SamplingFixtures.labelledRows(6000), 256.0 / 6000);
        assertEquals(PoissonSampledEvent.gaussian(256.0 / 6000, 1.1), sampler.stepEvent(1.1));
        assertEquals(256.0, sampler.normalizer(), 1e-9);
        assertEquals(23, sampler.stepsPerEpoch(), "round(1/q) = round(23.4)");
        assertTrue(sampler.secure());
        assertTrue(sampler.description().contains("Poisson"));
        assertThrows(IllegalArgumentException.class, () -> sampler.stepEvent(0));
    }

    @Test
    void invalidRatesAreRefused() {
        InMemoryDataset data = SamplingFixtures.labelledRows(10);
        for (double q : new double[] {0, -0.1, 1.0001, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PoissonSampler.secure(data, q));
            assertTrue(e.getMessage().contains("sampling rate q"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> PoissonSampler.secure(null, 0.1));
    }

    @Test
    void seededRunsReproduceAndRestoreMovesToANewStream() {
        InMemoryDataset data = SamplingFixtures.labelledRows(N);
        PoissonSampler original = PoissonSampler.seeded(data, Q, 9);
        PoissonSampler twin = PoissonSampler.seeded(data, Q, 9);
        for (int s = 0; s < 5; s++) {
            assertArrayEquals(original.next().indices(), twin.next().indices(), "same seed, same batches");
        }
        SamplerState checkpoint = original.state();
        assertEquals(5, checkpoint.stepsTaken());
        assertFalse(checkpoint.secure());
        List<long[]> continued = draw(original, 5);

        PoissonSampler resumed = PoissonSampler.seeded(data, Q, 12345);
        resumed.restore(checkpoint);
        assertEquals(1, resumed.streamId());
        assertEquals(5, resumed.state().stepsTaken());
        List<long[]> afterRestore = draw(resumed, 5);
        for (int s = 0; s < 5; s++) {
            assertFalse(Arrays.equals(continued.get(s), afterRestore.get(s)), "a resumed run must not replay batch " + s);
        }
        PoissonSampler resumedAgain = PoissonSampler.seeded(data, Q, 0);
        resumedAgain.restore(checkpoint);
        List<long[]> again = draw(resumedAgain, 5);
        for (int s = 0; s < 5; s++) {
            assertArrayEquals(afterRestore.get(s), again.get(s), "restoring the same checkpoint is deterministic");
        }
        assertEquals(10, resumedAgain.state().stepsTaken());
        assertEquals(1, resumedAgain.state().streamId());
    }

    @Test
    void secureRestoreDrawsFreshBatches() {
        InMemoryDataset data = SamplingFixtures.labelledRows(N);
        PoissonSampler original = PoissonSampler.secure(data, Q);
        draw(original, 3);
        SamplerState checkpoint = original.state();
        assertTrue(checkpoint.secure());
        assertEquals(0, checkpoint.seed());
        PoissonSampler a = PoissonSampler.secure(data, Q);
        PoissonSampler b = PoissonSampler.secure(data, Q);
        a.restore(checkpoint);
        b.restore(checkpoint);
        assertEquals(3, a.state().stepsTaken());
        List<long[]> fromA = draw(a, 5);
        List<long[]> fromB = draw(b, 5);
        for (int s = 0; s < 5; s++) {
            assertFalse(Arrays.equals(fromA.get(s), fromB.get(s)), "two restores must not share randomness");
        }
    }

    @Test
    void restoreRefusesAnotherSampler() {
        InMemoryDataset data = SamplingFixtures.labelledRows(100);
        SamplerState poisson = PoissonSampler.seeded(data, 0.1, 1).state();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PoissonSampler.seeded(data, 0.2, 1).restore(poisson));
        assertTrue(e.getMessage().contains("rate 0.1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PoissonSampler.secure(data, 0.1).restore(poisson));
        assertThrows(IllegalArgumentException.class,
                () -> PoissonSampler.seeded(SamplingFixtures.labelledRows(101), 0.1, 1).restore(poisson));
        assertThrows(IllegalArgumentException.class, () -> FixedSizeSampler.seeded(data, 10, 1).restore(poisson));
        assertThrows(IllegalArgumentException.class, () -> PoissonSampler.seeded(data, 0.1, 1).restore(null));
    }

    private static List<long[]> draw(BatchSampler sampler, int steps) {
        List<long[]> out = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
            out.add(sampler.next().indices());
        }
        return out;
    }
}
