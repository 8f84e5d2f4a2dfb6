package org.dpdl4j.core.noise;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The threads that draw secure noise for large arrays. Drawing normals is the one part of a DP step that
 * is pure Java arithmetic, so it uses every core while ND4J is idle. The number of lanes is fixed per JVM
 * (the system property {@code dpdl4j.noise.threads}, default: available processors, at most 8), so a
 * noise instance's split of the work never depends on the data.
 */
final class NoiseThreads {

    private static final int MAX_LANES = 8;
    private static final AtomicInteger COUNT = new AtomicInteger();
    private static volatile ExecutorService pool;

    private NoiseThreads() {
    }

    /** Lanes each secure noise instance keeps (independent streams). */
    static int lanes() {
        int configured = Integer.getInteger("dpdl4j.noise.threads", Runtime.getRuntime().availableProcessors());
        return Math.max(1, Math.min(MAX_LANES, configured));
    }

    /** Runs {@code body} for k = 0..parts-1: k = 0 on the calling thread, the others on the pool; rethrows the first failure. */
    static void run(int parts, IntConsumer body) {
        // The lanes write into the caller's array: ForkJoin returns only after every lane has ended.
        org.dpdl4j.core.parallel.ForkJoin.run(pool(), parts, body);
    }

    /** Runs {@code task} on a noise thread. */
    static java.util.concurrent.Future<?> submit(Runnable task) {
        return pool().submit(task);
    }

    private static ExecutorService pool() {
        ExecutorService p = pool;
        if (p == null) {
            synchronized (NoiseThreads.class) {
                if (pool == null) {
                    pool = Executors.newFixedThreadPool(MAX_LANES - 1, r -> {
                        Thread t = new Thread(r, "dpdl4j-noise-" + COUNT.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
                }
                p = pool;
            }
        }
        return p;
    }
}
