package org.dpdl4j.core.parallel;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.nd4j.linalg.api.blas.Blas;
import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs contiguous row ranges of a batch on one Java thread each while ND4J's native kernels (OpenBLAS and
 * libnd4j) run single-threaded, then restores their thread counts.
 *
 * <p>Why: on a machine with few cores, a step that alternates large matrix products (OpenBLAS threads) with
 * small element-wise ops (libnd4j's OpenMP threads) loses a large part of its time to the two pools' idle
 * workers spinning on the cores the other one needs. Giving each core one Java thread that runs its rows
 * through every kernel single-threaded removes that hand-over (measured on the private head's NoisyGD step in
 * docs/benchmarks.md).
 *
 * <p>Privacy: none of this changes what is computed. Each range works on its own rows only and the caller
 * adds the per-range results, so the output equals the unsplit computation up to floating-point
 * summation order; the sensitivity of a sum is unaffected. While a split runs, the native thread counts
 * are process-wide set to 1, so other ND4J work in the same process runs single-threaded for that time;
 * a second split requested meanwhile runs unsplit on its own thread. {@code -Ddpdl4j.rowparallel=false} turns splitting off.
 */
public final class RowParallel {

    /** A body over rows [from, to), run as part {@code part} of {@code parts}. */
    @FunctionalInterface
    public interface Range {
        void run(int part, long from, long to);
    }

    private static final ReentrantLock LOCK = new ReentrantLock();
    private static final ThreadLocal<Boolean> UNSPLIT = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private static final AtomicInteger COUNT = new AtomicInteger();
    private static ExecutorService pool;
    private static int poolSize;
    private static volatile boolean active;

    private RowParallel() {
    }

    /**
     * True while a split runs. Code that would otherwise split work over threads of its own checks this and
     * stays on its thread, so the cores are not oversubscribed.
     */
    public static boolean active() {
        return active;
    }

    /**
     * How many parts {@code rows} rows would be split into: the native BLAS thread count (which follows
     * {@code OMP_NUM_THREADS}), at most the available processors, and at most one part per
     * {@code minRowsPerPart} rows. 1 means no split.
     */
    public static int parts(long rows, long minRowsPerPart) {
        if (UNSPLIT.get() || !Boolean.parseBoolean(System.getProperty("dpdl4j.rowparallel", "true"))) {
            return 1;
        }
        int threads = Math.min(Nd4j.factory().blas().getMaxThreads(), Runtime.getRuntime().availableProcessors());
        long byRows = rows / Math.max(1, minRowsPerPart);
        return (int) Math.max(1, Math.min(threads, byRows));
    }

    /**
     * Runs {@code action} on this thread with splitting turned off ({@link #parts} returns 1): for callers
     * that already run one task per core, such as Spark executors, where a split would oversubscribe them.
     */
    public static void unsplit(Runnable action) {
        boolean before = UNSPLIT.get();
        UNSPLIT.set(Boolean.TRUE);
        try {
            action.run();
        } finally {
            UNSPLIT.set(before);
        }
    }

    /**
     * Runs {@code body} over [0, rows) in {@code parts} contiguous ranges, part 0 on the calling thread,
     * and returns how many parts ran. With {@code parts == 1}, or while another thread's split runs (splits
     * never queue behind each other), it runs everything as part 0 and returns 1. The first failure of any
     * part is rethrown after all parts have ended, and the native thread counts are restored in every case.
     */
    public static int run(long rows, int parts, Range body) {
        if (parts < 1) {
            throw new IllegalArgumentException("parts must be >= 1, got " + parts);
        }
        if (parts == 1 || rows < parts || !LOCK.tryLock()) {
            body.run(0, 0, rows);
            return 1;
        }
        try {
            Blas blas = Nd4j.factory().blas();
            Environment env = Nd4j.getEnvironment();
            int blasThreads = blas.getMaxThreads();
            int nativeThreads = env.maxThreads();
            blas.setMaxThreads(1);
            env.setMaxThreads(1);
            active = true;
            try {
                ForkJoin.run(pool(parts - 1), parts, k -> body.run(k, rows * k / parts, rows * (k + 1) / parts));
            } finally {
                active = false;
                blas.setMaxThreads(blasThreads);
                env.setMaxThreads(nativeThreads);
            }
            return parts;
        } finally {
            LOCK.unlock();
        }
    }

    private static ExecutorService pool(int workers) {
        if (pool == null || poolSize < workers) {
            ExecutorService old = pool;
            pool = Executors.newFixedThreadPool(workers, r -> {
                Thread t = new Thread(r, "dpdl4j-rows-" + COUNT.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            poolSize = workers;
            if (old != null) {
                old.shutdown();
            }
        }
        return pool;
    }
}
