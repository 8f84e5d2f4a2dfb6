package org.dpdl4j.core.engine;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One reusable off-heap buffer for a step's per-batch array (an activation, a δ, an unfolded input...).
 * {@link #get} returns a c-ordered view of the requested shape at the start of the buffer, so batches of
 * any size up to the largest seen so far reuse the same memory; a larger batch (Poisson batch sizes vary)
 * or another data type reallocates, with 1/8 headroom so that a slowly growing maximum does not
 * reallocate every step.
 *
 * <p>A view is valid until the next {@link #get} on the same slot: the engine's results are valid until
 * the next {@code compute}. Contents are not cleared: every user overwrites the whole view.
 */
final class Scratch {

    private INDArray storage;

    /** A c-ordered view of the given shape; its contents are undefined. */
    INDArray get(DataType type, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        if (storage == null || storage.dataType() != type || storage.length() < n) {
            long capacity = storage != null && storage.dataType() == type ? n + n / 8 : n;
            storage = Nd4j.createUninitializedDetached(type, 'c', Math.max(1, capacity));
        }
        return Nd4j.create(storage.data(), shape, Nd4j.getStrides(shape, 'c'), 0, 'c', type);
    }

    /** Elements currently held (0 when released). */
    long capacity() {
        return storage == null ? 0 : storage.length();
    }

    /** Fills the buffer with NaN (tests: stale contents must never reach a result). */
    void poison() {
        if (storage != null) {
            storage.assign(Double.NaN);
        }
    }

    /** Drops the buffer. */
    void release() {
        storage = null;
    }
}
