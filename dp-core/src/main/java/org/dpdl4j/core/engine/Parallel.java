package org.dpdl4j.core.engine;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.dpdl4j.core.parallel.ForkJoin;
import org.dpdl4j.core.parallel.RowParallel;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Splits a batch into contiguous ranges of examples run on several threads, for the libnd4j operations
 * that run single-threaded on CPU (batched matmul, row reductions) and for the engine's own loops. The calling
 * thread runs the first range. The number of threads follows ND4J's OpenMP setting
 * ({@code OMP_NUM_THREADS}), so one thread there means no splitting here; operations that are already
 * multi-threaded inside libnd4j are not split.
 *
 * <p>Each range works on its own examples' rows only, so results are identical to the unsplit operation.
 * The system property {@code dpdl4j.engine.serial=true} turns splitting off.
 */
final class Parallel {

    /** A body over examples [from, to). */
    interface Range {
        void run(long from, long to);
    }

    private static final AtomicInteger COUNT = new AtomicInteger();
    private static volatile ExecutorService pool;
    private static volatile int poolSize;

    private Parallel() {
    }

    /** False to run every range on the calling thread (system property {@code dpdl4j.engine.serial}). */
    static volatile boolean enabled = !Boolean.getBoolean("dpdl4j.engine.serial");

    /** Tests: split over this many threads whatever the machine (0: automatic). */
    static volatile int threadsOverride;

    /** Threads to split over: ND4J's OpenMP thread count, at most the available processors. */
    static int threads() {
        if (!enabled || RowParallel.active()) {
            return 1;
        }
        if (threadsOverride > 0) {
            return threadsOverride;
        }
        int omp = Nd4j.getEnvironment().maxMasterThreads();
        return Math.max(1, Math.min(omp, Runtime.getRuntime().availableProcessors()));
    }

    private static ExecutorService pool(int workers) {
        ExecutorService p = pool;
        if (p == null || poolSize < workers) {
            synchronized (Parallel.class) {
                if (pool == null || poolSize < workers) {
                    ExecutorService old = pool;
                    pool = Executors.newFixedThreadPool(workers, r -> {
                        Thread t = new Worker(r, "dpdl4j-engine-" + COUNT.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
                    poolSize = workers;
                    if (old != null) {
                        old.shutdown();
                    }
                }
                p = pool;
            }
        }
        return p;
    }

    /** The pool's threads: a range running on one of them does not split again (its sub-ranges would queue behind it). */
    private static final class Worker extends Thread {
        Worker(Runnable r, String name) {
            super(r, name);
        }
    }

    /**
     * Runs {@code body} over [0, n) in up to {@link #threads()} contiguous ranges of at least
     * {@code minPerRange} examples each.
     */
    static void forRanges(long n, long minPerRange, Range body) {
        int parts = (int) Math.max(1, Math.min(threads(), n / Math.max(1, minPerRange)));
        if (parts == 1 || Thread.currentThread() instanceof Worker) {
            body.run(0, n);
            return;
        }
        ForkJoin.run(pool(parts - 1), parts, k -> body.run(n * k / parts, n * (k + 1) / parts));
    }
}
