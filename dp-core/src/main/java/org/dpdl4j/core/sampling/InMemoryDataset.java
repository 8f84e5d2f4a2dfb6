package org.dpdl4j.core.sampling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The private training records held in memory, one row per record: features [N, ...] of any rank and
 * labels [N, ...]. Samplers need random access to rows, which a streaming {@link DataSetIterator} does
 * not give, so sources are collected here once.
 *
 * <p>Validated once at construction: N ≥ 1, as many label rows as feature rows, and no NaN or infinite
 * value (a single non-finite record would make every clipped sum it enters non-finite, and the error
 * would surface far from its cause).
 *
 * <p>Privacy assumption: each row is one individual's record (record-level DP); if an individual owns
 * several rows, the guarantee holds per row, not per individual. Preprocessing applied before this
 * point must not be fitted on the private data unless its cost is accounted separately.
 */
public final class InMemoryDataset {

    /** Default limit for {@link #collect(DataSetIterator)}: 2 GiB of features and labels. */
    public static final long DEFAULT_MAX_BYTES = 2L << 30;
    private static final long CHECK_CHUNK_ELEMENTS = 1L << 22;

    private final INDArray features;
    private final INDArray labels;
    private final INDArray featureRows;
    private final INDArray labelRows;
    private final int size;

    private InMemoryDataset(INDArray features, INDArray labels) {
        if (features == null || labels == null) {
            throw new IllegalArgumentException("features and labels must not be null");
        }
        if (features.rank() == 0 || labels.rank() == 0) {
            throw new IllegalArgumentException("features and labels need a leading record dimension, got shapes "
                    + Arrays.toString(features.shape()) + " and " + Arrays.toString(labels.shape()));
        }
        long n = features.size(0);
        if (n == 0) {
            throw new IllegalArgumentException("the dataset is empty (N = 0): there is nothing to sample from");
        }
        if (labels.size(0) != n) {
            throw new IllegalArgumentException("features have " + n + " rows but labels have " + labels.size(0)
                    + "; each record needs exactly one row of each");
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("N = " + n + " records is more than an in-memory dataset can index");
        }
        this.size = (int) n;
        this.features = features;
        this.labels = labels;
        // Row gathers want a [N, rowLength] c-order matrix; for c-order input this is a view, not a copy.
        this.featureRows = asRows(features);
        this.labelRows = asRows(labels);
        checkFinite(featureRows, "features");
        checkFinite(labelRows, "labels");
    }

    /**
     * Records given as arrays; they are used in place (not copied) and must not change afterwards.
     *
     * @throws IllegalArgumentException if N = 0, the row counts differ, or a value is NaN or infinite
     */
    public static InMemoryDataset of(INDArray features, INDArray labels) {
        return new InMemoryDataset(features, labels);
    }

    /** As {@link #collect(DataSetIterator, long)} with {@link #DEFAULT_MAX_BYTES}. */
    public static InMemoryDataset collect(DataSetIterator source) {
        return collect(source, DEFAULT_MAX_BYTES);
    }

    /**
     * Reads every batch of {@code source} (after a reset, where supported) into memory. The source's
     * own batch order and size do not matter; its preprocessor, if any, is applied as usual.
     *
     * @param maxBytes refuse sources whose features and labels together exceed this many bytes
     * @throws IllegalArgumentException if the source is empty, uses masks, or exceeds {@code maxBytes}
     */
    public static InMemoryDataset collect(DataSetIterator source, long maxBytes) {
        if (source == null) {
            throw new IllegalArgumentException("source must not be null");
        }
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be > 0, got " + maxBytes);
        }
        if (source.resetSupported()) {
            source.reset();
        }
        List<INDArray> featureParts = new ArrayList<>();
        List<INDArray> labelParts = new ArrayList<>();
        long bytes = 0;
        long records = 0;
        while (source.hasNext()) {
            DataSet part = source.next();
            if (part.getFeaturesMaskArray() != null || part.getLabelsMaskArray() != null) {
                throw new IllegalArgumentException("masked (variable-length) data sets are not supported by the "
                        + "in-memory samplers");
            }
            INDArray f = part.getFeatures();
            INDArray l = part.getLabels();
            if (f == null || l == null) {
                throw new IllegalArgumentException("every batch of the source needs features and labels; batch at record "
                        + records + " lacks " + (f == null ? "features" : "labels"));
            }
            bytes += f.length() * f.dataType().width() + l.length() * l.dataType().width();
            if (bytes > maxBytes) {
                throw new IllegalArgumentException("the source holds more than " + maxBytes + " bytes of features and "
                        + "labels (exceeded after " + records + " records); raise maxBytes if the memory is there, or "
                        + "sample from a smaller dataset");
            }
            // Some iterators hand out arrays in a workspace that the next call overwrites.
            featureParts.add(f.isAttached() ? f.detach() : f);
            labelParts.add(l.isAttached() ? l.detach() : l);
            records += f.size(0);
        }
        if (featureParts.isEmpty()) {
            throw new IllegalArgumentException("the source produced no records (N = 0): there is nothing to sample from");
        }
        INDArray features = featureParts.size() == 1 ? featureParts.get(0) : Nd4j.concat(0, featureParts.toArray(INDArray[]::new));
        INDArray labels = labelParts.size() == 1 ? labelParts.get(0) : Nd4j.concat(0, labelParts.toArray(INDArray[]::new));
        return new InMemoryDataset(features, labels);
    }

    /** Number of records N. */
    public int size() {
        return size;
    }

    /** The features, [N, ...]; do not modify. */
    public INDArray features() {
        return features;
    }

    /** The labels, [N, ...]; do not modify. */
    public INDArray labels() {
        return labels;
    }

    /** The rows at {@code indices} (any order, no bounds beyond [0, N)), copied; 0-row arrays when empty. */
    Batch gather(long[] indices) {
        int b = indices.length;
        if (b == 0) {
            return new Batch(emptyLike(features), emptyLike(labels), 0, indices);
        }
        int[] rows = new int[b];
        for (int i = 0; i < b; i++) {
            rows[i] = (int) indices[i];
        }
        INDArray f = shaped(Nd4j.pullRows(featureRows, 1, rows), withRows(features.shape(), b));
        INDArray l = shaped(Nd4j.pullRows(labelRows, 1, rows), withRows(labels.shape(), b));
        return new Batch(f, l, b, indices);
    }

    /**
     * The gathered rows in the record shape. Reshaping only when needed keeps a matrix batch an array that
     * owns its buffer (not a view), so a caller can free it right after the step ({@code INDArray.close()}).
     */
    private static INDArray shaped(INDArray rows, long[] shape) {
        return Arrays.equals(rows.shape(), shape) ? rows : rows.reshape('c', shape);
    }

    /** Every record, in order, sharing this dataset's arrays. */
    Batch all() {
        long[] indices = new long[size];
        for (int i = 0; i < size; i++) {
            indices[i] = i;
        }
        return new Batch(features, labels, size, indices);
    }

    private static INDArray asRows(INDArray a) {
        long rowLength = a.length() / a.size(0);
        return a.reshape('c', a.size(0), rowLength);
    }

    private static long[] withRows(long[] shape, long rows) {
        long[] s = shape.clone();
        s[0] = rows;
        return s;
    }

    private static INDArray emptyLike(INDArray a) {
        return Nd4j.create(a.dataType(), withRows(a.shape(), 0));
    }

    /** Finds the first row with a NaN or infinite value, in chunks so the check never copies the whole dataset. */
    private static void checkFinite(INDArray rows, String what) {
        DataType type = rows.dataType();
        if (!type.isFPType()) {
            return;
        }
        long n = rows.size(0);
        long chunk = Math.max(1, CHECK_CHUNK_ELEMENTS / Math.max(1, rows.size(1)));
        for (long start = 0; start < n; start += chunk) {
            long end = Math.min(n, start + chunk);
            INDArray part = rows.get(NDArrayIndex.interval(start, end), NDArrayIndex.all());
            // x - x is 0 for every finite x and NaN for NaN and ±∞, so a row sum is NaN exactly when the row is bad.
            double[] rowSums = part.sub(part).castTo(DataType.DOUBLE).sum(1).toDoubleVector();
            for (int i = 0; i < rowSums.length; i++) {
                if (Double.isNaN(rowSums[i])) {
                    throw new IllegalArgumentException(what + " contain a NaN or infinite value in row " + (start + i)
                            + " (the first such row); clean or drop that record before training");
                }
            }
        }
    }
}
