package org.dpdl4j.examples.bench;

import java.util.Arrays;

/**
 * Wall-clock timing of a repeated action: warm-up runs first (JIT), then measured runs summarised by
 * median and 90th percentile. Benchmarks, not unit tests, are where speed is measured.
 */
public final class Timing {

    /** Summary in milliseconds. */
    public record Result(int runs, double medianMs, double p90Ms, double minMs) {
    }

    private Timing() {
    }

    /** Runs {@code warmup} untimed and {@code runs} timed calls of {@code action}. */
    public static Result measure(int warmup, int runs, Runnable action) {
        for (int i = 0; i < warmup; i++) {
            action.run();
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            action.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return new Result(runs, ms[runs / 2], ms[Math.min(runs - 1, (int) Math.ceil(0.9 * runs) - 1)], ms[0]);
    }
}
