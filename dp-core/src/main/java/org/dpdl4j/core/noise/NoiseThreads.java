package org.dpdl4j.core.noise;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
        ExecutorService p = pool();
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        for (int k = 1; k < parts; k++) {
            int part = k;
            futures.add(p.submit(() -> body.accept(part)));
        }
        Throwable failure = null;
        try {
            body.accept(0);
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        boolean interrupted = false;
        for (Future<?> f : futures) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause();
                    }
                    break;
                } catch (InterruptedException e) {
                    // The lanes write into the caller's array, so wait for them before returning.
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new IllegalStateException("noise lane failed", failure);
        }
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
