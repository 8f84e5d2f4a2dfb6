package org.dpdl4j.examples.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reader for gzip-compressed IDX files of unsigned bytes (the MNIST family's format: a big-endian magic number whose
 * last byte is the rank, one big-endian int per dimension, then the items). Every message names the file and ends with
 * a caller-supplied remedy, since a bad file is almost always a packaging problem the user has to fix.
 */
final class Idx {

    /** Magic number of an unsigned-byte IDX file of rank 1 (labels). */
    static final int UBYTE_RANK1 = 0x00000801;
    /** Magic number of an unsigned-byte IDX file of rank 3 (images). */
    static final int UBYTE_RANK3 = 0x00000803;

    /** Decoded images: {@code count} row-major images of {@code rows * cols} pixels scaled to [0, 1]. */
    record Images(int count, int rows, int cols, float[] pixels) {
    }

    // Exact k/255 for every byte value; a table is both faster than dividing 47 million times and bit-identical.
    private static final float[] SCALE = new float[256];

    static {
        for (int i = 0; i < 256; i++) {
            SCALE[i] = i / 255f;
        }
    }

    private static final int BUFFER = 1 << 16;

    private Idx() {
    }

    /** Reads a rank-3 file whose images must be {@code rows} by {@code cols}. */
    static Images readImages(Path file, int rows, int cols, String remedy) {
        try (DataInputStream in = open(file, remedy)) {
            int magic = header(in, file, remedy);
            checkMagic(file, magic, UBYTE_RANK3, "images", remedy);
            int count = header(in, file, remedy);
            int r = header(in, file, remedy);
            int c = header(in, file, remedy);
            if (r != rows || c != cols) {
                throw corrupt(file, "images are " + r + "x" + c + ", expected " + rows + "x" + cols, remedy);
            }
            long total = (long) count * rows * cols;
            // A damaged header could ask for gigabytes; refuse before allocating.
            if (count < 0 || total > Integer.MAX_VALUE - 8) {
                throw corrupt(file, "implausible image count " + count, remedy);
            }
            float[] pixels = new float[(int) total];
            byte[] buf = new byte[BUFFER];
            int done = 0;
            while (done < pixels.length) {
                int want = Math.min(buf.length, pixels.length - done);
                int got = in.readNBytes(buf, 0, want);
                for (int i = 0; i < got; i++) {
                    pixels[done + i] = SCALE[buf[i] & 0xFF];
                }
                done += got;
                if (got < want) {
                    throw truncated(file, count + " images of " + rows + "x" + cols, total, done, remedy);
                }
            }
            expectEnd(in, file, remedy);
            return new Images(count, rows, cols, pixels);
        } catch (IOException e) {
            throw unreadable(file, e, remedy);
        }
    }

    /** Reads a rank-1 file whose labels must all lie in {@code [0, numClasses)}. */
    static int[] readLabels(Path file, int numClasses, String remedy) {
        try (DataInputStream in = open(file, remedy)) {
            int magic = header(in, file, remedy);
            checkMagic(file, magic, UBYTE_RANK1, "labels", remedy);
            int count = header(in, file, remedy);
            if (count < 0) {
                throw corrupt(file, "implausible label count " + count, remedy);
            }
            byte[] raw = in.readNBytes(count);
            if (raw.length < count) {
                throw truncated(file, count + " labels", count, raw.length, remedy);
            }
            expectEnd(in, file, remedy);
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                labels[i] = raw[i] & 0xFF;
                if (labels[i] >= numClasses) {
                    throw corrupt(file, "label " + labels[i] + " at index " + i + " is outside [0, " + numClasses
                            + ")", remedy);
                }
            }
            return labels;
        } catch (IOException e) {
            throw unreadable(file, e, remedy);
        }
    }

    private static DataInputStream open(Path file, String remedy) throws IOException {
        if (!Files.exists(file)) {
            throw new DatasetFileException(file, "Data file not found: " + file + ". " + remedy);
        }
        InputStream raw = Files.newInputStream(file);
        try {
            return new DataInputStream(new GZIPInputStream(new BufferedInputStream(raw, BUFFER), BUFFER));
        } catch (IOException e) {
            raw.close();
            throw e;
        }
    }

    private static int header(DataInputStream in, Path file, String remedy) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw corrupt(file, "file ends inside the IDX header (truncated)", remedy);
        }
    }

    private static void checkMagic(Path file, int magic, int expected, String what, String remedy) {
        if (magic != expected) {
            throw corrupt(file, String.format("bad magic number 0x%08X, expected 0x%08X for an IDX file of %s",
                    magic, expected, what), remedy);
        }
    }

    private static void expectEnd(DataInputStream in, Path file, String remedy) throws IOException {
        // Extra bytes mean the header's count disagrees with the payload, so the count cannot be trusted either.
        if (in.read() != -1) {
            throw corrupt(file, "unexpected data after the last item declared in the header", remedy);
        }
    }

    private static DatasetFileException truncated(Path file, String declared, long expectedBytes, long actualBytes,
            String remedy) {
        return corrupt(file, "truncated: header declares " + declared + " (" + expectedBytes + " bytes) but only "
                + actualBytes + " bytes follow", remedy);
    }

    private static DatasetFileException corrupt(Path file, String detail, String remedy) {
        return new DatasetFileException(file, "Corrupt data file " + file + ": " + detail + ". " + remedy);
    }

    private static DatasetFileException unreadable(Path file, IOException e, String remedy) {
        if (e instanceof NoSuchFileException) {
            return new DatasetFileException(file, "Data file not found: " + file + ". " + remedy, e);
        }
        String what = e instanceof ZipException || e instanceof EOFException
                ? "Corrupt data file " + file + " (not a complete gzip stream: " + e.getMessage() + ")"
                : "Cannot read data file " + file + " (" + e + ")";
        return new DatasetFileException(file, what + ". " + remedy, e);
    }
}
