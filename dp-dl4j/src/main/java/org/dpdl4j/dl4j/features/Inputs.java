package org.dpdl4j.dl4j.features;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * Validation of feature matrices and labels before they reach a private mechanism. A NaN or infinite
 * feature would make a clipped gradient NaN, and NaN passes every clipping comparison: the released
 * sum would then carry no privacy guarantee, so such inputs are refused, never silently zeroed.
 *
 * <p>Privacy assumption: none of these checks is itself released; they only refuse to run. The
 * refusal message names a row index, which is for the data owner, not for publication.
 */
public final class Inputs {

    private Inputs() {
    }

    /**
     * Requires a floating-point matrix [n, d] with only finite values.
     *
     * @param what name used in the message, e.g. "features"
     * @throws IllegalArgumentException naming the first offending row
     */
    public static INDArray checkFeatures(INDArray x, String what) {
        if (x == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        if (x.rank() != 2) {
            throw new IllegalArgumentException(what + " must be a matrix [examples, features], got shape "
                    + Arrays.toString(x.shape()));
        }
        if (!x.dataType().isFPType()) {
            throw new IllegalArgumentException(what + " must be floating point (FLOAT or DOUBLE), got " + x.dataType());
        }
        if (x.length() > 0 && (BooleanIndexing.or(x, Conditions.isNan()) || BooleanIndexing.or(x, Conditions.isInfinite()))) {
            INDArray rowSums = x.sum(1).castTo(DataType.DOUBLE);
            double[] s = rowSums.toDoubleVector();
            int row = -1;
            for (int i = 0; i < s.length && row < 0; i++) {
                if (!Double.isFinite(s[i]) && (BooleanIndexing.or(x.getRow(i), Conditions.isNan())
                        || BooleanIndexing.or(x.getRow(i), Conditions.isInfinite()))) {
                    row = i;
                }
            }
            throw new IllegalArgumentException(what + " contain NaN or infinite values (first at row " + row
                    + "); a non-finite feature defeats clipping, so fix or drop those rows before training");
        }
        return x;
    }

    /**
     * Requires one-hot labels [n, k]: every entry 0 or 1 and exactly one 1 per row.
     *
     * @throws IllegalArgumentException naming the first offending row
     */
    public static INDArray checkOneHot(INDArray y, long n, int classes) {
        if (y == null) {
            throw new IllegalArgumentException("labels must not be null");
        }
        if (y.rank() != 2 || y.size(0) != n || y.size(1) != classes) {
            throw new IllegalArgumentException("labels must be one-hot [" + n + ", " + classes + "], got shape "
                    + Arrays.toString(y.shape()));
        }
        if (n == 0) {
            return y;
        }
        INDArray notBinary = y.neq(0.0).castTo(DataType.INT32).muli(y.neq(1.0).castTo(DataType.INT32));
        INDArray rowSums = y.sum(1).castTo(DataType.DOUBLE);
        INDArray badRows = notBinary.sum(1).castTo(DataType.DOUBLE).addi(rowSums.sub(1.0).muli(rowSums.sub(1.0)));
        if (badRows.sumNumber().doubleValue() != 0.0) {
            double[] b = badRows.toDoubleVector();
            int row = 0;
            while (row < b.length && b[row] == 0.0) {
                row++;
            }
            throw new IllegalArgumentException("labels must be one-hot over " + classes + " classes (entries 0 or 1, "
                    + "one 1 per row); row " + row + " is " + y.getRow(row));
        }
        return y;
    }

    /**
     * One-hot matrix [n, k] in the given type from class indices.
     *
     * @throws IllegalArgumentException for a label outside [0, k)
     */
    public static INDArray oneHot(int[] labels, int classes, DataType type) {
        if (classes < 2) {
            throw new IllegalArgumentException("need at least 2 classes, got " + classes);
        }
        float[] flat = new float[labels.length * classes];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label " + labels[i] + " at row " + i + " is outside [0, " + classes
                        + "); labels must be class indices 0.." + (classes - 1));
            }
            flat[i * classes + labels[i]] = 1f;
        }
        if (labels.length == 0) {
            return Nd4j.create(type, 0, classes);
        }
        return Nd4j.createFromArray(flat).reshape('c', labels.length, classes).castTo(type);
    }

    /** Class indices of one-hot rows (argmax), as ints. */
    public static int[] classIndices(INDArray oneHot) {
        if (oneHot.size(0) == 0) {
            return new int[0];
        }
        return oneHot.argMax(1).toIntVector();
    }
}
