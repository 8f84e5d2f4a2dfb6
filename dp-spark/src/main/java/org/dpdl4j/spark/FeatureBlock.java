package org.dpdl4j.spark;

import java.io.Serializable;
import java.util.Objects;
import org.dpdl4j.dl4j.features.Inputs;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A block of consecutive rows held by one Spark partition: a row-major [rows, d] matrix of FLOAT or
 * DOUBLE values with one class index per row. Blocks, not single rows, are what the RDDs of this module
 * hold, so that every per-partition computation is one or two matrix products on ND4J arrays rather than a
 * loop over Java objects, and so that a cached partition costs one array, not millions of objects.
 *
 * <p>Privacy assumption: each row is one individual's record; a block is a storage unit whose boundaries
 * do not depend on the data. Blocks hold private data in clear, like the data they came from.
 *
 * <p>Immutable: the arrays are never modified after construction (callers of {@link #of} hand them over).
 */
public final class FeatureBlock implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int rows;
    private final int width;
    private final float[] floats;
    private final double[] doubles;
    private final int[] labels;

    private FeatureBlock(int rows, int width, float[] floats, double[] doubles, int[] labels) {
        this.rows = rows;
        this.width = width;
        this.floats = floats;
        this.doubles = doubles;
        this.labels = labels;
    }

    /**
     * A block over these arrays, which the block takes over (no copy).
     *
     * @param values row-major [labels.length, width]
     */
    public static FeatureBlock of(float[] values, int width, int[] labels) {
        Objects.requireNonNull(values, "values");
        check(values.length, width, labels);
        return new FeatureBlock(labels.length, width, values, null, labels);
    }

    /** As {@link #of(float[], int, int[])} for double values. */
    public static FeatureBlock of(double[] values, int width, int[] labels) {
        Objects.requireNonNull(values, "values");
        check(values.length, width, labels);
        return new FeatureBlock(labels.length, width, null, values, labels);
    }

    /** The rows of a matrix [n, d] (copied into the block, in its type if FLOAT, else as DOUBLE). */
    public static FeatureBlock of(INDArray features, int[] labels) {
        Objects.requireNonNull(features, "features");
        if (features.rank() != 2) {
            throw new IllegalArgumentException("features must be a matrix [rows, d], got rank " + features.rank());
        }
        int d = (int) features.size(1);
        if (features.size(0) == 0) {
            return features.dataType() == DataType.FLOAT ? of(new float[0], d, new int[0])
                    : of(new double[0], d, new int[0]);
        }
        INDArray c = features.dup('c');
        return features.dataType() == DataType.FLOAT ? of(c.data().asFloat(), d, labels.clone())
                : of(c.castTo(DataType.DOUBLE).data().asDouble(), d, labels.clone());
    }

    private static void check(int values, int width, int[] labels) {
        Objects.requireNonNull(labels, "labels");
        if (width < 1) {
            throw new IllegalArgumentException("row width must be >= 1, got " + width);
        }
        if ((long) labels.length * width != values) {
            throw new IllegalArgumentException(values + " values do not make " + labels.length + " rows of width "
                    + width);
        }
    }

    /** Number of rows. */
    public int rows() {
        return rows;
    }

    /** Values per row (the feature dimension d, or the flattened input size for raw inputs). */
    public int width() {
        return width;
    }

    /** FLOAT or DOUBLE. */
    public DataType dataType() {
        return floats != null ? DataType.FLOAT : DataType.DOUBLE;
    }

    /** Class index of row {@code i}. */
    public int label(int i) {
        return labels[i];
    }

    /** A copy of the class indices. */
    public int[] labels() {
        return labels.clone();
    }

    /** Value at row {@code i}, column {@code j}, as a double. */
    public double value(int i, int j) {
        int at = i * width + j;
        return floats != null ? floats[at] : doubles[at];
    }

    /** The rows as a fresh c-order [rows, width] array of the block's type. */
    public INDArray features() {
        if (rows == 0) {
            return Nd4j.create(dataType(), 0, width);
        }
        INDArray flat = floats != null ? Nd4j.createFromArray(floats) : Nd4j.createFromArray(doubles);
        return flat.reshape('c', rows, width);
    }

    /** The selected rows (increasing local indices) as a fresh [selected, width] array. */
    public INDArray features(long[] selected) {
        if (selected.length == rows) {
            return features();
        }
        if (floats != null) {
            float[] out = new float[selected.length * width];
            for (int r = 0; r < selected.length; r++) {
                System.arraycopy(floats, (int) selected[r] * width, out, r * width, width);
            }
            return selected.length == 0 ? Nd4j.create(DataType.FLOAT, 0, width)
                    : Nd4j.createFromArray(out).reshape('c', selected.length, width);
        }
        double[] out = new double[selected.length * width];
        for (int r = 0; r < selected.length; r++) {
            System.arraycopy(doubles, (int) selected[r] * width, out, r * width, width);
        }
        return selected.length == 0 ? Nd4j.create(DataType.DOUBLE, 0, width)
                : Nd4j.createFromArray(out).reshape('c', selected.length, width);
    }

    /** One-hot labels [rows, k] in {@code type}. */
    public INDArray oneHot(int classes, DataType type) {
        return Inputs.oneHot(labels, classes, type);
    }

    /** One-hot labels of the selected rows. */
    public INDArray oneHot(long[] selected, int classes, DataType type) {
        if (selected.length == rows) {
            return oneHot(classes, type);
        }
        int[] picked = new int[selected.length];
        for (int r = 0; r < selected.length; r++) {
            picked[r] = labels[(int) selected[r]];
        }
        return Inputs.oneHot(picked, classes, type);
    }

    /**
     * The first problem of this block for a head over {@code classes} classes on d = {@code dimension}, or
     * {@code null}: a wrong width, a NaN or infinite value, a label outside [0, classes).
     *
     * @param where names the block in the message (e.g. "partition 3, block 0")
     */
    public String problem(int dimension, int classes, String where) {
        if (width != dimension) {
            return where + ": rows have " + width + " values but the features have d=" + dimension
                    + "; give every row the same dimension (check the feature column or the extractor's layer)";
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < width; j++) {
                if (!Double.isFinite(value(i, j))) {
                    return where + ", row " + i + ", column " + j + ": feature is " + value(i, j)
                            + "; a non-finite feature defeats clipping, so fix or drop such rows before training";
                }
            }
            if (labels[i] < 0 || labels[i] >= classes) {
                return where + ", row " + i + ": label " + labels[i] + " is outside [0, " + classes
                        + "); labels must be class indices 0.." + (classes - 1);
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "FeatureBlock[" + rows + " x " + width + ", " + dataType() + "]";
    }
}
