package org.dpdl4j.examples.bench;

import java.util.Arrays;

/**
 * Wall-clock timing of a repeated action: warm-up runs first (JIT), then measured runs summarised by
 * median and 90th percentile. Benchmarks, not unit tests, are where speed is measured.
 */
public final class Timing {

    /** Summary in milliseconds. */
    public record Result(int runs, double medianMs, double p90Ms, double minMs, double p10Ms) {
    }

    private Timing() {
    }

    /**
     * Times two actions against each other: both warm up, then {@code rounds} alternating blocks of
     * {@code runs / rounds} calls each, so that slow drifts of the machine (frequency, neighbours, JIT,
     * garbage collection) fall on both sides alike. Before every block it pauses {@code settleMs} (untimed):
     * on a machine with few cores the native thread pools keep spinning for up to ~0.1 s after their last
     * task (OpenBLAS's worker timeout), and without a pause each block would inherit the other side's
     * spinning workers. Returns {first, second}.
     */
    public static Result[] interleaved(int warmup, int runs, int rounds, long settleMs, Runnable first, Runnable second) {
        if (runs < 1 || rounds < 1 || rounds > runs || warmup < 0) {
            throw new IllegalArgumentException("need warmup >= 0 and 1 <= rounds <= runs, got warmup " + warmup
                    + ", runs " + runs + ", rounds " + rounds);
        }
        for (int i = 0; i < warmup; i++) {
            first.run();
            second.run();
        }
        double[] a = new double[runs];
        double[] b = new double[runs];
        for (int r = 0; r < rounds; r++) {
            int from = runs * r / rounds;
            int to = runs * (r + 1) / rounds;
            settle(settleMs);
            time(first, a, from, to);
            settle(settleMs);
            time(second, b, from, to);
        }
        return new Result[] {summary(a), summary(b)};
    }

    private static void settle(long ms) {
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void time(Runnable action, double[] ms, int from, int to) {
        for (int i = from; i < to; i++) {
            long t0 = System.nanoTime();
            action.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
    }

    private static Result summary(double[] ms) {
        int runs = ms.length;
        Arrays.sort(ms);
        return new Result(runs, ms[runs / 2], ms[Math.min(runs - 1, (int) Math.ceil(0.9 * runs) - 1)], ms[0],
                ms[Math.max(0, (int) Math.floor(0.1 * runs))]);
    }

    /** Runs {@code warmup} untimed and {@code runs} timed calls of {@code action}. */
    public static Result measure(int warmup, int runs, Runnable action) {
        for (int i = 0; i < warmup; i++) {
            action.run();
        }
        double[] ms = new double[runs];
        time(action, ms, 0, runs);
        return summary(ms);
    }
}
