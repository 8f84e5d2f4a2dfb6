package org.dpdl4j.core.parallel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * Runs parts 1..n−1 of a computation on a pool and part 0 on the calling thread, waits for all of them,
 * and rethrows the first failure. Every part has ended when this returns or throws, so no part can still
 * be writing into shared buffers afterwards. It carries no privacy assumption of its own.
 */
public final class ForkJoin {

    private ForkJoin() {
    }

    /** Runs {@code part.accept(k)} for k in [0, parts): k = 0 here, the others on {@code pool}. */
    public static void run(ExecutorService pool, int parts, IntConsumer part) {
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        for (int k = 1; k < parts; k++) {
            int index = k;
            futures.add(pool.submit(() -> part.accept(index)));
        }
        Throwable failure = null;
        try {
            part.accept(0);
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
                    // The parts write into the caller's buffers: wait for them before returning.
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
            throw new IllegalStateException(failure);
        }
    }
}
