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
}
