package org.dpdl4j.examples.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small synthetic gzip IDX files, so the parser is tested without the real data set. */
final class IdxFixtures {

    private IdxFixtures() {
    }

    /** Uncompressed IDX bytes: magic, dimensions, then the payload as given (which may disagree on purpose). */
    static byte[] idx(int magic, int[] dims, byte[] payload) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(magic);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(payload);
        }
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(raw);
        }
        return bytes.toByteArray();
    }

    static Path write(Path file, byte[] content) throws IOException {
        Files.write(file, content);
        return file;
    }

    /** Images of {@code side x side} whose every pixel of image {@code i} is {@code (i * 7) % 256}. */
    static byte[] imagePayload(int count, int side) {
        byte[] p = new byte[count * side * side];
        for (int i = 0; i < count; i++) {
            for (int k = 0; k < side * side; k++) {
                p[i * side * side + k] = (byte) ((i * 7) % 256);
            }
        }
        return p;
    }

    /** Labels {@code i % 10}. */
    static byte[] labelPayload(int count) {
        byte[] p = new byte[count];
        for (int i = 0; i < count; i++) {
            p[i] = (byte) (i % 10);
        }
        return p;
    }

    /** Writes the four Fashion-MNIST files into {@code dir}: {@code train} and {@code test} synthetic 28x28 examples. */
    static void writeFashionMnistLayout(Path dir, int train, int test) throws IOException {
        write(dir.resolve(FashionMnist.TRAIN_IMAGES),
                gzip(idx(Idx.UBYTE_RANK3, new int[] {train, 28, 28}, imagePayload(train, 28))));
        write(dir.resolve(FashionMnist.TRAIN_LABELS), gzip(idx(Idx.UBYTE_RANK1, new int[] {train}, labelPayload(train))));
        write(dir.resolve(FashionMnist.TEST_IMAGES),
                gzip(idx(Idx.UBYTE_RANK3, new int[] {test, 28, 28}, imagePayload(test, 28))));
        write(dir.resolve(FashionMnist.TEST_LABELS), gzip(idx(Idx.UBYTE_RANK1, new int[] {test}, labelPayload(test))));
    }
}
