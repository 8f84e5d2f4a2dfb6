package org.dpdl4j.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.dpdl4j.dl4j.postprocess.FeaturePipeline;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Labelled feature rows spread over a Spark cluster: an RDD of {@link FeatureBlock}s with the row count n,
 * the dimension d, the number of classes k and the value type. The distributed counterpart of dp-dl4j's
 * {@code FeatureSource}, and what {@link SparkHeadData} trains on.
 *
 * <p>The RDD must be deterministic: recomputing a partition gives the same blocks in the same order (true
 * of a cached RDD, of one read from files, and of the extraction in {@link SparkFeatureExtraction}). Spark
 * itself needs that for a retried task to be correct; this module relies on it for a retried partition to
 * contribute the same clipped sum. Cache it ({@link #persist}) before training: every step reads all of it.
 *
 * <p>Privacy assumption: each row is one individual's record and the rows are the private data that the
 * ledger's guarantee covers; n is treated as public, as everywhere in the library. Parquet files written
 * by {@link #writeParquet} hold the private rows in clear.
 */
public final class SparkFeatures {

    private final JavaRDD<FeatureBlock> blocks;
    private final long size;
    private final int dimension;
    private final int classes;
    private final DataType dataType;

    private SparkFeatures(JavaRDD<FeatureBlock> blocks, long size, int dimension, int classes, DataType dataType) {
        this.blocks = blocks;
        this.size = size;
        this.dimension = dimension;
        this.classes = classes;
        this.dataType = dataType;
    }

    /**
     * Features over an RDD of blocks. Runs one Spark job to count the rows and learn the value type.
     *
     * @param dimension d, the width of every block
     * @param classes k ≥ 2
     * @throws IllegalArgumentException if blocks mix FLOAT and DOUBLE
     */
    public static SparkFeatures of(JavaRDD<FeatureBlock> blocks, int dimension, int classes) {
        Objects.requireNonNull(blocks, "blocks");
        if (dimension < 1) {
            throw new IllegalArgumentException("feature dimension must be >= 1, got " + dimension);
        }
        if (classes < 2) {
            throw new IllegalArgumentException("a softmax head needs >= 2 classes, got " + classes);
        }
        // One pass: rows, and a bit per value type seen (1 = FLOAT, 2 = DOUBLE; empty blocks carry a type too).
        long[] stats = SparkJobs.run(() -> blocks
                .map(b -> new long[] {b.rows(), b.dataType() == DataType.FLOAT ? 1 : 2})
                .fold(new long[] {0, 0}, (a, b) -> new long[] {a[0] + b[0], a[1] | b[1]}));
        if (stats[1] == 3) {
            throw new IllegalArgumentException("the blocks mix FLOAT and DOUBLE features; convert them to one type");
        }
        return new SparkFeatures(blocks, stats[0], dimension, classes, stats[1] == 2 ? DataType.DOUBLE : DataType.FLOAT);
    }

    /** Features whose row count and type are already known (a map of other features): runs no job. */
    static SparkFeatures derived(JavaRDD<FeatureBlock> blocks, long size, int dimension, int classes, DataType type) {
        return new SparkFeatures(blocks, size, dimension, classes, type);
    }

    /**
     * Rows of a local matrix spread over {@code partitions} partitions of (nearly) equal size, one block each;
     * with more partitions than rows some are empty. For tests, examples and data that start on the driver.
     *
     * @param features [n, d], FLOAT or DOUBLE
     * @param labels class indices in [0, k)
     */
    public static SparkFeatures parallelize(JavaSparkContext sc, INDArray features, int[] labels, int classes,
                                            int partitions) {
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(labels, "labels");
        if (features.rank() != 2 || features.size(0) != labels.length) {
            throw new IllegalArgumentException("need features [n, d] and n labels, got " + features.size(0)
                    + " rows and " + labels.length + " labels");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
        int n = labels.length;
        List<FeatureBlock> list = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            int from = (int) ((long) n * p / partitions);
            int to = (int) ((long) n * (p + 1) / partitions);
            INDArray rows = to > from ? features.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()) : Nd4j.create(features.dataType(), 0, features.size(1));
            list.add(FeatureBlock.of(rows, java.util.Arrays.copyOfRange(labels, from, to)));
        }
        return of(sc.parallelize(list, partitions), (int) features.size(1), classes);
    }

    /**
     * Rows of a DataFrame with an array column of features (float or double) and an integer label column,
     * gathered into blocks of at most {@code blockRows} rows per partition. Every row must have
     * {@code dimension} values; a row that does not fails with a message naming it.
     */
    public static SparkFeatures fromDataFrame(Dataset<Row> frame, String featuresColumn, String labelColumn,
                                              int dimension, int classes, int blockRows) {
        Objects.requireNonNull(frame, "frame");
        if (blockRows < 1) {
            throw new IllegalArgumentException("block rows must be >= 1, got " + blockRows);
        }
        boolean isFloat = frame.schema().apply(featuresColumn).dataType()
                .sameType(DataTypes.createArrayType(DataTypes.FloatType));
        JavaRDD<FeatureBlock> blocks = frame.select(featuresColumn, labelColumn).javaRDD()
                .mapPartitionsWithIndex((p, rows) -> toBlocks(p, rows, dimension, blockRows, isFloat), true);
        return of(blocks, dimension, classes);
    }

    private static Iterator<FeatureBlock> toBlocks(int partition, Iterator<Row> rows, int d, int blockRows,
                                                   boolean isFloat) {
        List<FeatureBlock> out = new ArrayList<>();
        List<Row> pending = new ArrayList<>(Math.min(blockRows, 4096));
        int seen = 0;
        while (rows.hasNext()) {
            Row r = rows.next();
            List<Object> values = r.getList(0);
            if (values == null || values.size() != d) {
                throw new IllegalArgumentException("partition " + partition + ", row " + seen + ": the features have "
                        + (values == null ? "no value (null)" : values.size() + " values") + " but d=" + d
                        + "; give every row " + d + " features");
            }
            if (r.isNullAt(1)) {
                throw new IllegalArgumentException("partition " + partition + ", row " + seen + ": the label is null");
            }
            pending.add(r);
            seen++;
            if (pending.size() == blockRows) {
                out.add(block(pending, d, isFloat));
                pending.clear();
            }
        }
        if (!pending.isEmpty() || out.isEmpty()) {
            out.add(block(pending, d, isFloat));
        }
        return out.iterator();
    }

    private static FeatureBlock block(List<Row> rows, int d, boolean isFloat) {
        int[] labels = new int[rows.size()];
        if (isFloat) {
            float[] v = new float[rows.size() * d];
            for (int i = 0; i < rows.size(); i++) {
                List<Object> values = rows.get(i).getList(0);
                for (int j = 0; j < d; j++) {
                    v[i * d + j] = ((Number) values.get(j)).floatValue();
                }
                labels[i] = ((Number) rows.get(i).get(1)).intValue();
            }
            return FeatureBlock.of(v, d, labels);
        }
        double[] v = new double[rows.size() * d];
        for (int i = 0; i < rows.size(); i++) {
            List<Object> values = rows.get(i).getList(0);
            for (int j = 0; j < d; j++) {
                v[i * d + j] = ((Number) values.get(j)).doubleValue();
            }
            labels[i] = ((Number) rows.get(i).get(1)).intValue();
        }
        return FeatureBlock.of(v, d, labels);
    }

    /** Reads rows written by {@link #writeParquet}. */
    public static SparkFeatures readParquet(SparkSession spark, String path, int classes, int blockRows) {
        Dataset<Row> frame = spark.read().parquet(path);
        List<Row> first = frame.select(FEATURES).takeAsList(1);
        if (first.isEmpty()) {
            throw new IllegalArgumentException("no rows in " + path);
        }
        return fromDataFrame(frame, FEATURES, LABEL, first.get(0).getList(0).size(), classes, blockRows);
    }

    /** Column names of {@link #toDataFrame}. */
    public static final String FEATURES = "features";
    /** Column names of {@link #toDataFrame}. */
    public static final String LABEL = "label";

    /** One row per example: {@value #LABEL} (int) and {@value #FEATURES} (array of float or double). */
    public Dataset<Row> toDataFrame(SparkSession spark) {
        boolean isFloat = dataType == DataType.FLOAT;
        StructType schema = new StructType()
                .add(LABEL, DataTypes.IntegerType, false)
                .add(FEATURES, DataTypes.createArrayType(isFloat ? DataTypes.FloatType : DataTypes.DoubleType, false),
                        false);
        JavaRDD<Row> rows = blocks.flatMap(b -> {
            List<Row> out = new ArrayList<>(b.rows());
            for (int i = 0; i < b.rows(); i++) {
                Object[] v = new Object[b.width()];
                for (int j = 0; j < v.length; j++) {
                    v[j] = isFloat ? (Object) (float) b.value(i, j) : (Object) b.value(i, j);
                }
                out.add(RowFactory.create(b.label(i), v));
            }
            return out.iterator();
        });
        return spark.createDataFrame(rows, schema);
    }

    /** Writes the rows as Parquet (they are the private data in clear: store them like the raw data). */
    public void writeParquet(SparkSession spark, String path) {
        SparkJobs.run(() -> {
            toDataFrame(spark).write().mode("overwrite").parquet(path);
            return null;
        });
    }

    /**
     * The rows through a post-processing pipeline (normalisation, PCA fitted on public data, …), applied
     * block by block on the executors. Lazy, like any RDD transformation; cache the result before training.
     */
    public SparkFeatures map(FeaturePipeline pipeline) {
        Objects.requireNonNull(pipeline, "pipeline");
        int out = pipeline.outputDimension(dimension);
        JavaRDD<FeatureBlock> mapped = blocks.map(b -> b.rows() == 0
                ? (b.dataType() == DataType.FLOAT ? FeatureBlock.of(new float[0], out, new int[0])
                        : FeatureBlock.of(new double[0], out, new int[0]))
                : FeatureBlock.of(pipeline.apply(b.features()), b.labels()));
        return new SparkFeatures(mapped, size, out, classes, dataType);
    }

    /**
     * Checks every row on the executors (dimension d, finite values, labels in [0, k)) in one job.
     *
     * @throws IllegalArgumentException naming the partition, block and row of the first problem found
     */
    public SparkFeatures check() {
        int d = dimension;
        int k = classes;
        List<String> problems = SparkJobs.run(() -> blocks.mapPartitionsWithIndex((p, it) -> {
            List<String> found = new ArrayList<>(1);
            int b = 0;
            while (it.hasNext() && found.isEmpty()) {
                String problem = it.next().problem(d, k, "partition " + p + ", block " + b++);
                if (problem != null) {
                    found.add(problem);
                }
            }
            return found.iterator();
        }, true).collect());
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("bad feature rows: " + problems.get(0)
                    + (problems.size() > 1 ? " (and problems in " + (problems.size() - 1) + " more partitions)" : ""));
        }
        return this;
    }

    /** Caches the blocks (e.g. {@code StorageLevel.MEMORY_ONLY()}): training reads every partition every step. */
    public SparkFeatures persist(StorageLevel level) {
        blocks.persist(level);
        return this;
    }

    /** Drops the cached blocks. */
    public SparkFeatures unpersist() {
        blocks.unpersist(false);
        return this;
    }

    /** All rows on the driver as {features [n, d], one-hot labels [n, k]}: for tests and small data. */
    public INDArray[] collect() {
        List<FeatureBlock> all = blocks.collect();
        List<INDArray> fs = new ArrayList<>();
        List<INDArray> ys = new ArrayList<>();
        for (FeatureBlock b : all) {
            if (b.rows() > 0) {
                fs.add(b.features());
                ys.add(b.oneHot(classes, dataType));
            }
        }
        if (fs.isEmpty()) {
            return new INDArray[] {Nd4j.create(dataType, 0, dimension), Nd4j.create(dataType, 0, classes)};
        }
        return new INDArray[] {Nd4j.concat(0, fs.toArray(INDArray[]::new)), Nd4j.concat(0, ys.toArray(INDArray[]::new))};
    }

    /** The blocks. */
    public JavaRDD<FeatureBlock> blocks() {
        return blocks;
    }

    /** Number of rows n. */
    public long size() {
        return size;
    }

    /** Feature dimension d. */
    public int dimension() {
        return dimension;
    }

    /** Number of classes k. */
    public int classes() {
        return classes;
    }

    /** FLOAT or DOUBLE. */
    public DataType dataType() {
        return dataType;
    }

    /** Number of partitions. */
    public int partitions() {
        return blocks.getNumPartitions();
    }

    /** A view with another RDD of the same rows (e.g. the same blocks repartitioned or wrapped). */
    public SparkFeatures withBlocks(JavaRDD<FeatureBlock> sameRows) {
        return new SparkFeatures(Objects.requireNonNull(sameRows, "blocks"), size, dimension, classes, dataType);
    }

    @Override
    public String toString() {
        return "SparkFeatures[n=" + size + ", d=" + dimension + ", k=" + classes + ", " + dataType + ", "
                + partitions() + " partitions]";
    }
}
