package org.dpdl4j.core.noise;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Moves array contents between ND4J and Java arrays so that the noise itself is computed in Java, one
 * element at a time, with arithmetic whose every rounding we control. ND4J's own element-wise add
 * would round x + noise in the target's precision, which is exactly what the floating-point attacks
 * exploit.
 */
abstract class ElementwiseNoise implements GaussianNoise {

    /** Adds noise in place to {@code values[i]} for every i in {@code positions} (all i when null). */
    abstract void addToDoubles(double[] values, int[] positions, double std);

    /** As {@link #addToDoubles}, computing in double and rounding once to float at the end. */
    abstract void addToFloats(float[] values, int[] positions, double std);

    @Override
    public final synchronized void addTo(INDArray target, double std) {
        validateStd(std);
        checkFloatingPoint(target);
        if (target.length() == 0) {
            return;
        }
        apply(target, null, std);
    }

    @Override
    public final synchronized void addTo(INDArray target, double std, INDArray mask) {
        validateStd(std);
        checkFloatingPoint(target);
        if (mask == null) {
            throw new IllegalArgumentException("mask must not be null; use addTo(target, std) to noise every element");
        }
        if (!isRowVector(target)) {
            throw new IllegalArgumentException("a masked target must be a vector of shape [n] or [1, n], got shape "
                    + Arrays.toString(target.shape()));
        }
        if (!isRowVector(mask) || mask.length() != target.length()) {
            throw new IllegalArgumentException("mask must have shape [1, " + target.length() + "] to match the target, got "
                    + Arrays.toString(mask.shape()));
        }
        if (target.length() == 0) {
            return;
        }
        double[] m = mask.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        int[] positions = new int[m.length];
        int count = 0;
        for (int i = 0; i < m.length; i++) {
            if (m[i] == 1.0) {
                positions[count++] = i;
            } else if (m[i] != 0.0) {
                throw new IllegalArgumentException("mask entries must be 0 or 1, got " + m[i] + " at index " + i);
            }
        }
        apply(target, Arrays.copyOf(positions, count), std);
    }

    private void apply(INDArray target, int[] positions, double std) {
        if (target.length() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("target has " + target.length()
                    + " elements; add noise to it in chunks of at most 2^31 - 9 elements");
        }
        if (canWriteInPlace(target, positions)) {
            addInPlace(target, positions, std);
            return;
        }
        // A fresh c-order copy holds exactly the target's elements in a buffer of its own, whatever the
        // target's ordering, strides or view offset; assign writes the result back through all of those.
        DataType type = target.dataType();
        INDArray work = type == DataType.FLOAT || type == DataType.DOUBLE ? target.dup('c') : target.castTo(DataType.DOUBLE).dup('c');
        if (canWriteInPlace(work, positions)) {
            addInPlace(work, positions, std);
        } else if (work.dataType() == DataType.FLOAT) {
            float[] values = work.data().asFloat();
            addToFloats(values, positions, std);
            work.assign(Nd4j.createFromArray(values).reshape('c', work.shape()));
        } else {
            double[] values = work.data().asDouble();
            addToDoubles(values, positions, std);
            work.assign(Nd4j.createFromArray(values).reshape('c', work.shape()));
        }
        target.assign(work);
    }

    private void addInPlace(INDArray target, int[] positions, double std) {
        if (target.dataType() == DataType.FLOAT) {
            FloatBuffer memory = target.data().asNioFloat();
            float[] values = new float[(int) target.length()];
            memory.get(0, values);
            addToFloats(values, positions, std);
            memory.put(0, values);
        } else {
            DoubleBuffer memory = target.data().asNioDouble();
            double[] values = new double[(int) target.length()];
            memory.get(0, values);
            addToDoubles(values, positions, std);
            memory.put(0, values);
        }
    }

    /**
     * Whether the target's host buffer holds exactly its elements, so noise can go there directly and
     * skip two copies. Without a mask the order of elements is irrelevant (the noise is i.i.d.); with a
     * mask the vector's elements must sit at buffer positions 0..n-1. Only on the CPU backend, where the
     * host buffer is the array.
     */
    private static boolean canWriteInPlace(INDArray target, int[] positions) {
        DataType type = target.dataType();
        return (type == DataType.FLOAT || type == DataType.DOUBLE)
                && Nd4j.getEnvironment().isCPU()
                && !target.isView()
                && target.offset() == 0
                && target.data().length() == target.length()
                && (positions == null || target.elementWiseStride() == 1);
    }

    private static boolean isRowVector(INDArray a) {
        return a.rank() == 1 || a.rank() == 2 && a.size(0) == 1;
    }

    /** Rejects a std this construction cannot handle; overridden where the range is narrower. */
    void validateStd(double std) {
        checkStd(std);
    }

    static void checkStd(double std) {
        if (!(std > 0) || Double.isInfinite(std)) {
            throw new IllegalArgumentException("noise std must be a finite number > 0, got " + std
                    + "; for DP-SGD it is noise multiplier * clip norm");
        }
    }

    private static void checkFloatingPoint(INDArray target) {
        if (target == null) {
            throw new IllegalArgumentException("target must not be null");
        }
        if (!target.dataType().isFPType()) {
            throw new IllegalArgumentException("noise can only be added to a floating-point array, got "
                    + target.dataType());
        }
    }
}
