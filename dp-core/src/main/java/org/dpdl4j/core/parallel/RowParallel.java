package org.dpdl4j.core.parallel;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
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
 *
 * <p>Three native settings are involved: OpenBLAS's thread count (process-wide; changing it costs about
 * 0.3 ms here), libnd4j's master thread count, and
 * the OpenMP team size of each calling thread, which libnd4j's OpenMP kernels (softmax, pullRows) read and
 * the other two do not change ({@link OmpThreads}). Threads of the split's own pool keep a team size of 1.
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
    /** The settings singleThreadedNative replaced, while its body runs (written and read under LOCK). */
    private static NativeThreads scoped;

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
        if (UNSPLIT.get() || !enabled()) {
            return 1;
        }
        int blasThreads = LOCK.isHeldByCurrentThread() && scoped != null ? scoped.blas
                : Nd4j.factory().blas().getMaxThreads();
        int threads = Math.min(blasThreads, Runtime.getRuntime().availableProcessors());
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
            // Inside singleThreadedNative the native settings are already single-threaded.
            NativeThreads saved = scoped == null ? NativeThreads.setSingle() : null;
            active = true;
            try {
                ForkJoin.run(pool(parts - 1), parts, k -> body.run(k, rows * k / parts, rows * (k + 1) / parts));
            } finally {
                active = false;
                if (saved != null) {
                    saved.restore();
                }
            }
            return parts;
        } finally {
            LOCK.unlock();
        }
    }

    /**
     * Runs {@code body} on this thread with ND4J's native kernels single-threaded, then restores their
     * settings: for a whole training step, so that its small kernels, its secure noise (drawn on Java
     * threads) and its updater no longer share the cores with native workers spinning between kernels.
     * {@link #parts} and {@link #run} inside it still split over the cores the native settings allowed
     * before. Nested calls, calls while another thread holds a split, and {@code -Ddpdl4j.rowparallel=false}
     * just run {@code body}.
     */
    public static <T> T singleThreadedNative(Supplier<T> body) {
        if (LOCK.isHeldByCurrentThread() || UNSPLIT.get() || !enabled() || !LOCK.tryLock()) {
            return body.get();
        }
        try {
            NativeThreads saved = NativeThreads.setSingle();
            scoped = saved;
            try {
                return body.get();
            } finally {
                scoped = null;
                saved.restore();
            }
        } finally {
            LOCK.unlock();
        }
    }

    /** True on the thread that runs a {@link #singleThreadedNative} body, where one core is left to spare. */
    public static boolean singleThreaded() {
        return LOCK.isHeldByCurrentThread() && scoped != null;
    }

    private static boolean enabled() {
        return Boolean.parseBoolean(System.getProperty("dpdl4j.rowparallel", "true"));
    }

    /** The native thread settings from before they were set to 1, to restore them. */
    private record NativeThreads(int blas, int nd4jMaster, int omp) {

        static NativeThreads setSingle() {
            Blas blas = Nd4j.factory().blas();
            Environment env = Nd4j.getEnvironment();
            NativeThreads saved = new NativeThreads(blas.getMaxThreads(), env.maxMasterThreads(), OmpThreads.get());
            if (saved.blas != 1) {
                blas.setMaxThreads(1);
            }
            // libnd4j 1.0.0-M2.1 ignores Environment.setMaxThreads; its thread helpers read the master count.
            env.setMaxMasterThreads(1);
            OmpThreads.set(1);
            return saved;
        }

        void restore() {
            if (blas != 1) {
                Nd4j.factory().blas().setMaxThreads(blas);
            }
            Nd4j.getEnvironment().setMaxMasterThreads(nd4jMaster);
            OmpThreads.set(omp);
        }
    }

    private static ExecutorService pool(int workers) {
        if (pool == null || poolSize < workers) {
            ExecutorService old = pool;
            pool = Executors.newFixedThreadPool(workers, r -> {
                Thread t = new Thread(() -> {
                    // This thread only runs parts of splits: its OpenMP kernels stay on it.
                    OmpThreads.set(1);
                    r.run();
                }, "dpdl4j-rows-" + COUNT.incrementAndGet());
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
