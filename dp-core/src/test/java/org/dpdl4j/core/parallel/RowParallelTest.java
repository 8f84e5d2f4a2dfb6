package org.dpdl4j.core.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class RowParallelTest {

    @Test
    void everyRowRunsExactlyOnceInItsPartAndNativeThreadCountsComeBack() {
        int blas = Nd4j.factory().blas().getMaxThreads();
        int nativeThreads = Nd4j.getEnvironment().maxThreads();
        int rows = 1003;
        AtomicIntegerArray seen = new AtomicIntegerArray(rows);
        int[] blasInside = new int[3];
        RowParallel.run(rows, 3, (part, from, to) -> {
            assertEquals(rows * (long) part / 3, from, "part " + part + " starts where it should");
            blasInside[part] = Nd4j.factory().blas().getMaxThreads();
            for (long i = from; i < to; i++) {
                seen.incrementAndGet((int) i);
            }
        });
        for (int i = 0; i < rows; i++) {
            assertEquals(1, seen.get(i), "row " + i);
        }
        assertEquals(1, blasInside[0], "native kernels run single-threaded inside a split");
        assertEquals(blas, Nd4j.factory().blas().getMaxThreads());
        assertEquals(nativeThreads, Nd4j.getEnvironment().maxThreads());
    }

    @Test
    void aFailingPartIsRethrownAfterAllPartsEndAndThreadCountsAreRestored() {
        int blas = Nd4j.factory().blas().getMaxThreads();
        int nativeThreads = Nd4j.getEnvironment().maxThreads();
        AtomicIntegerArray finished = new AtomicIntegerArray(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> RowParallel.run(100, 2,
                (part, from, to) -> {
                    if (part == 1) {
                        throw new IllegalStateException("part 1 failed");
                    }
                    finished.set(part, 1);
                }));
        assertEquals("part 1 failed", e.getMessage());
        assertEquals(1, finished.get(0), "part 0 ran to its end");
        assertEquals(blas, Nd4j.factory().blas().getMaxThreads());
        assertEquals(nativeThreads, Nd4j.getEnvironment().maxThreads());
    }

    @Test
    void partsFollowRowsAndCanBeTurnedOff() {
        assertEquals(1, RowParallel.parts(10, 100), "too few rows to split");
        assertTrue(RowParallel.parts(1_000_000, 1) >= 1);
        assertTrue(RowParallel.parts(1_000_000, 1) <= Runtime.getRuntime().availableProcessors());
        System.setProperty("dpdl4j.rowparallel", "false");
        try {
            assertEquals(1, RowParallel.parts(1_000_000, 1));
        } finally {
            System.clearProperty("dpdl4j.rowparallel");
        }
        assertThrows(IllegalArgumentException.class, () -> RowParallel.run(10, 0, (p, f, t) -> { }));
    }

    @Test
    void aSplitRequestedWhileAnotherRunsDoesNotWaitAndRunsAllRowsAsPartZero() throws Exception {
        java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread other = new Thread(() -> RowParallel.run(10, 2, (part, from, to) -> {
            if (part == 0) {
                inside.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }));
        other.start();
        inside.await();
        try {
            long[] covered = new long[3];
            int ran = RowParallel.run(100, 2, (part, from, to) -> {
                covered[0] = part;
                covered[1] = from;
                covered[2] = to;
            });
            assertEquals(1, ran);
            assertEquals(0, covered[0]);
            assertEquals(0, covered[1]);
            assertEquals(100, covered[2]);
        } finally {
            release.countDown();
            other.join();
        }
    }

    @Test
    void unsplitTurnsSplittingOffOnThisThreadOnly() throws Exception {
        int[] inside = new int[1];
        RowParallel.unsplit(() -> inside[0] = RowParallel.parts(1_000_000, 1));
        assertEquals(1, inside[0]);
        int outside = RowParallel.parts(1_000_000, 1);
        assertEquals(Math.min(Nd4j.factory().blas().getMaxThreads(), Runtime.getRuntime().availableProcessors()),
                outside);
    }

    @Test
    void singleThreadedNativeSetsEveryNativeCountToOneAndRestoresThemAfterAFailure() {
        int blas = Nd4j.factory().blas().getMaxThreads();
        int nativeThreads = Nd4j.getEnvironment().maxThreads();
        int master = Nd4j.getEnvironment().maxMasterThreads();
        int omp = OmpThreads.get();
        org.junit.jupiter.api.Assumptions.assumeTrue(omp > 0, "the CPU backend exposes the OpenMP team size");
        int[] inside = new int[5];
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> RowParallel.singleThreadedNative(() -> {
            inside[0] = Nd4j.factory().blas().getMaxThreads();
            inside[1] = Nd4j.getEnvironment().maxThreads();
            inside[2] = Nd4j.getEnvironment().maxMasterThreads();
            inside[3] = OmpThreads.get();
            inside[4] = RowParallel.singleThreaded() ? 1 : 0;
            throw new IllegalStateException("step failed");
        }));
        assertEquals("step failed", e.getMessage());
        assertEquals(1, inside[0]);
        assertEquals(1, inside[2]);
        assertEquals(1, inside[3], "this thread's OpenMP team, which softmax and pullRows read");
        assertEquals(1, inside[4]);
        assertEquals(blas, Nd4j.factory().blas().getMaxThreads());
        assertEquals(nativeThreads, Nd4j.getEnvironment().maxThreads());
        assertEquals(master, Nd4j.getEnvironment().maxMasterThreads());
        assertEquals(omp, OmpThreads.get());
        assertTrue(!RowParallel.singleThreaded());
    }

    @Test
    void splitsInsideASingleThreadedScopeStillUseTheCoresAndItsWorkersKeepOneOpenMpThread() {
        int outside = RowParallel.parts(1_000_000, 1);
        int blas = Nd4j.factory().blas().getMaxThreads();
        int[] parts = new int[1];
        int[] ompInParts = {-1, -1};
        int ran = RowParallel.singleThreadedNative(() -> {
            parts[0] = RowParallel.parts(1_000_000, 1);
            return RowParallel.run(1000, 2, (part, from, to) -> ompInParts[part] = OmpThreads.get());
        });
        assertEquals(outside, parts[0], "parts follow the thread count from before the scope");
        assertEquals(2, ran);
        if (OmpThreads.get() > 0) {
            assertEquals(1, ompInParts[0]);
            assertEquals(1, ompInParts[1]);
        }
        assertEquals(blas, Nd4j.factory().blas().getMaxThreads());
    }

    @Test
    void nestedAndTurnedOffScopesJustRunTheirBody() {
        int blas = Nd4j.factory().blas().getMaxThreads();
        int[] nested = new int[1];
        RowParallel.singleThreadedNative(() -> RowParallel.singleThreadedNative(() -> {
            nested[0] = Nd4j.factory().blas().getMaxThreads();
            return null;
        }));
        assertEquals(1, nested[0]);
        assertEquals(blas, Nd4j.factory().blas().getMaxThreads(), "the inner scope must not restore 1 for the outer");
        System.setProperty("dpdl4j.rowparallel", "false");
        try {
            int[] off = new int[1];
            RowParallel.singleThreadedNative(() -> off[0] = Nd4j.factory().blas().getMaxThreads());
            assertEquals(blas, off[0]);
        } finally {
            System.clearProperty("dpdl4j.rowparallel");
        }
    }
}
