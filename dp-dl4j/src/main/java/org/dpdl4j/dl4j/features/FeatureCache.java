package org.dpdl4j.dl4j.features;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Extracted features on disk: float32 little-endian rows in chunk files that are memory-mapped one at a
 * time, with int32 class labels beside them, so the full set may be much larger than memory (1M × 2048
 * floats = 8 GB as 32 chunks of 256 MB). A cache is written completely before its {@code meta.json}
 * appears (atomic rename), so a crash leaves no cache that looks complete; a complete cache is reused
 * when its key (model fingerprint + layer + input description) matches.
 *
 * <p>Layout: {@code meta.json}, {@code features-NNNNN.f32} ([rows, d] row-major) and
 * {@code labels-NNNNN.i32}.
 *
 * <p>Privacy assumption: the cache holds the private records' features in clear; protect it like the raw
 * data. Reading it releases nothing.
 */
public final class FeatureCache implements FeatureSource {

    /** Format version written in {@code meta.json}. */
    public static final int FORMAT = 1;
    /** Default chunk size in bytes of features: small enough to map, large enough for fast gemm. */
    public static final long DEFAULT_CHUNK_BYTES = 256L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final long rows;
    private final int dim;
    private final int classes;
    private final int chunkRows;
    private final int chunks;
    private final String key;
    /** Read-only mappings of each chunk, made on first random access and kept (the OS pages them in and out). */
    private final FloatBuffer[] mappedFeatures;
    private final IntBuffer[] mappedLabels;

    private FeatureCache(Path dir, long rows, int dim, int classes, int chunkRows, String key) {
        this.dir = dir;
        this.rows = rows;
        this.dim = dim;
        this.classes = classes;
        this.chunkRows = chunkRows;
        this.chunks = (int) ((rows + chunkRows - 1) / chunkRows);
        this.key = key;
        this.mappedFeatures = new FloatBuffer[chunks];
        this.mappedLabels = new IntBuffer[chunks];
    }

    /**
     * Opens a complete cache.
     *
     * @throws IOException if {@code meta.json} is missing (no cache, or an interrupted write) or a chunk is
     *     missing or has the wrong size
     */
    public static FeatureCache open(Path dir) throws IOException {
        Path meta = dir.resolve("meta.json");
        if (!Files.exists(meta)) {
            throw new IOException("no complete feature cache in " + dir + " (meta.json missing): extract again");
        }
        var node = JSON.readTree(meta.toFile());
        if (node.path("format").asInt() != FORMAT) {
            throw new IOException("feature cache " + dir + " has format " + node.path("format") + ", expected " + FORMAT);
        }
        FeatureCache c = new FeatureCache(dir, node.get("rows").asLong(), node.get("dim").asInt(),
                node.get("classes").asInt(), node.get("chunk_rows").asInt(), node.get("key").asText());
        for (int i = 0; i < c.chunks; i++) {
            long expected = (long) c.rowsIn(i) * c.dim * Float.BYTES;
            Path f = c.featureFile(i);
            if (!Files.exists(f) || Files.size(f) != expected || Files.size(c.labelFile(i)) != (long) c.rowsIn(i) * 4) {
                throw new IOException("feature cache " + dir + " is damaged: " + f + " should hold " + expected
                        + " bytes; delete the directory and extract again");
            }
        }
        return c;
    }

    /** Opens the cache in {@code dir} if it is complete and has this key; otherwise returns {@code null}. */
    public static FeatureCache openIfMatching(Path dir, String key) {
        try {
            FeatureCache c = open(dir);
            return c.key.equals(key) ? c : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Starts a new cache in {@code dir} (created if needed; an older cache there is replaced).
     *
     * @param chunkBytes target bytes of features per chunk file
     */
    public static Writer create(Path dir, int dim, int classes, String key, long chunkBytes) throws IOException {
        return new Writer(dir, dim, classes, key, chunkBytes);
    }

    private Path featureFile(int i) {
        return dir.resolve(String.format(Locale.ROOT, "features-%05d.f32", i));
    }

    private Path labelFile(int i) {
        return dir.resolve(String.format(Locale.ROOT, "labels-%05d.i32", i));
    }

    private int rowsIn(int i) {
        return (int) Math.min(chunkRows, rows - (long) i * chunkRows);
    }

    @Override
    public long size() {
        return rows;
    }

    @Override
    public int dimension() {
        return dim;
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public int chunks() {
        return chunks;
    }

    /** The key the cache was written with. */
    public String key() {
        return key;
    }

    /** The directory. */
    public Path directory() {
        return dir;
    }

    /** Rows per chunk (the last may be shorter). */
    public int chunkRows() {
        return chunkRows;
    }

    @Override
    public Chunk chunk(int i) {
        Objects.checkIndex(i, chunks);
        int r = rowsIn(i);
        try (FileChannel fc = FileChannel.open(featureFile(i), StandardOpenOption.READ);
             FileChannel lc = FileChannel.open(labelFile(i), StandardOpenOption.READ)) {
            MappedByteBuffer fm = fc.map(FileChannel.MapMode.READ_ONLY, 0, (long) r * dim * Float.BYTES);
            FloatBuffer fb = fm.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            float[] values = new float[r * dim];
            fb.get(values);
            IntBuffer ib = lc.map(FileChannel.MapMode.READ_ONLY, 0, (long) r * 4).order(ByteOrder.LITTLE_ENDIAN)
                    .asIntBuffer();
            int[] labels = new int[r];
            ib.get(labels);
            INDArray x = Nd4j.createFromArray(values).reshape('c', r, dim);
            return new Chunk(x, Inputs.oneHot(labels, classes, DataType.FLOAT));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read chunk " + i + " of feature cache " + dir, e);
        }
    }

    /**
     * The selected rows only, read from the memory-mapped chunk files: a Poisson step over a cache much
     * larger than memory touches about q·n rows, not the whole cache. Safe for concurrent readers.
     */
    @Override
    public Chunk rows(long[] indices) {
        FeatureSource.checkRowIndices(indices, rows);
        int b = indices.length;
        float[] values = new float[Math.multiplyExact(b, dim)];
        int[] labels = new int[b];
        for (int i = 0; i < b; i++) {
            int c = (int) (indices[i] / chunkRows);
            int r = (int) (indices[i] % chunkRows);
            mapped(c);
            mappedFeatures[c].get(r * dim, values, i * dim, dim);
            labels[i] = mappedLabels[c].get(r);
        }
        INDArray x = b == 0 ? Nd4j.create(DataType.FLOAT, 0, dim) : Nd4j.createFromArray(values).reshape('c', b, dim);
        return new Chunk(x, b == 0 ? Nd4j.create(DataType.FLOAT, 0, classes) : Inputs.oneHot(labels, classes, DataType.FLOAT));
    }

    private synchronized void mapped(int c) {
        if (mappedFeatures[c] != null) {
            return;
        }
        int r = rowsIn(c);
        try (FileChannel fc = FileChannel.open(featureFile(c), StandardOpenOption.READ);
             FileChannel lc = FileChannel.open(labelFile(c), StandardOpenOption.READ)) {
            // A mapping stays valid after its channel is closed.
            mappedLabels[c] = lc.map(FileChannel.MapMode.READ_ONLY, 0, (long) r * 4).order(ByteOrder.LITTLE_ENDIAN)
                    .asIntBuffer();
            mappedFeatures[c] = fc.map(FileChannel.MapMode.READ_ONLY, 0, (long) r * dim * Float.BYTES)
                    .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map chunk " + c + " of feature cache " + dir, e);
        }
    }

    /** All rows in memory as one [n, d] FLOAT matrix (only for caches that fit). */
    public INDArray allFeatures() {
        if (rows * dim > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("cache of " + rows + " x " + dim + " does not fit one array; stream chunks");
        }
        INDArray[] parts = new INDArray[chunks];
        for (int i = 0; i < chunks; i++) {
            parts[i] = chunk(i).features();
        }
        return chunks == 1 ? parts[0] : Nd4j.concat(0, parts);
    }

    /** All labels as one one-hot [n, k] FLOAT matrix. */
    public INDArray allLabels() {
        INDArray[] parts = new INDArray[chunks];
        for (int i = 0; i < chunks; i++) {
            parts[i] = chunk(i).labels();
        }
        return chunks == 1 ? parts[0] : Nd4j.concat(0, parts);
    }

    @Override
    public String describe() {
        return "on-disk feature cache " + dir;
    }

    @Override
    public String toString() {
        return "FeatureCache[" + dir + ", " + rows + " x " + dim + ", " + chunks + " chunks]";
    }

    /** Appends rows chunk by chunk; {@link #finish()} makes the cache visible. */
    public static final class Writer {
        private final Path dir;
        private final int dim;
        private final int classes;
        private final String key;
        private final int chunkRows;
        private long rows;
        private int chunkIndex;
        private int rowsInChunk;
        private FileChannel features;
        private FileChannel labels;

        private Writer(Path dir, int dim, int classes, String key, long chunkBytes) throws IOException {
            if (dim < 1 || classes < 2) {
                throw new IllegalArgumentException("need d >= 1 and k >= 2, got d=" + dim + ", k=" + classes);
            }
            if (chunkBytes < (long) dim * Float.BYTES) {
                throw new IllegalArgumentException("chunk of " + chunkBytes + " bytes cannot hold one row of " + dim);
            }
            this.dir = dir;
            this.dim = dim;
            this.classes = classes;
            this.key = Objects.requireNonNull(key, "key");
            this.chunkRows = (int) Math.min(Integer.MAX_VALUE / Math.max(1, dim) - 1, chunkBytes / ((long) dim * Float.BYTES));
            Files.createDirectories(dir);
            Files.deleteIfExists(dir.resolve("meta.json"));
        }

        /**
         * Appends rows.
         *
         * @param x [b, d] features (any float type, must be finite)
         * @param y class indices in [0, k)
         */
        public void append(INDArray x, int[] y) throws IOException {
            Inputs.checkFeatures(x, "features");
            if (x.size(1) != dim || x.size(0) != y.length) {
                throw new IllegalArgumentException("expected [" + y.length + ", " + dim + "] features, got "
                        + java.util.Arrays.toString(x.shape()));
            }
            Inputs.oneHot(y, classes, DataType.FLOAT); // validates the range
            float[] values = x.castTo(DataType.FLOAT).dup('c').data().asFloat();
            int done = 0;
            while (done < y.length) {
                if (features == null) {
                    openChunk();
                }
                int take = Math.min(y.length - done, chunkRows - rowsInChunk);
                ByteBuffer fb = ByteBuffer.allocate(take * dim * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                fb.asFloatBuffer().put(values, done * dim, take * dim);
                writeFully(features, fb);
                ByteBuffer lb = ByteBuffer.allocate(take * 4).order(ByteOrder.LITTLE_ENDIAN);
                lb.asIntBuffer().put(y, done, take);
                writeFully(labels, lb);
                done += take;
                rowsInChunk += take;
                rows += take;
                if (rowsInChunk == chunkRows) {
                    closeChunk();
                }
            }
        }

        private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }

        private void openChunk() throws IOException {
            String idx = String.format(Locale.ROOT, "%05d", chunkIndex);
            features = FileChannel.open(dir.resolve("features-" + idx + ".f32"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            labels = FileChannel.open(dir.resolve("labels-" + idx + ".i32"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            rowsInChunk = 0;
        }

        private void closeChunk() throws IOException {
            features.force(true);
            labels.force(true);
            features.close();
            labels.close();
            features = null;
            labels = null;
            chunkIndex++;
        }

        /** Rows written so far. */
        public long rows() {
            return rows;
        }

        /** Flushes, writes {@code meta.json} atomically and returns the opened cache. */
        public FeatureCache finish() throws IOException {
            if (features != null) {
                closeChunk();
            }
            if (rows == 0) {
                throw new IllegalStateException("no rows were written to the feature cache " + dir);
            }
            ObjectNode meta = JSON.createObjectNode();
            meta.put("format", FORMAT);
            meta.put("rows", rows);
            meta.put("dim", dim);
            meta.put("classes", classes);
            meta.put("chunk_rows", chunkRows);
            meta.put("dtype", "float32-le");
            meta.put("key", key);
            Path tmp = dir.resolve("meta.json.tmp");
            Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(meta));
            Files.move(tmp, dir.resolve("meta.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return open(dir);
        }
    }
}
