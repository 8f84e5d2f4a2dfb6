package org.dpdl4j.examples.data;

import static org.dpdl4j.examples.data.IdxFixtures.gzip;
import static org.dpdl4j.examples.data.IdxFixtures.idx;
import static org.dpdl4j.examples.data.IdxFixtures.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {

    private static final String REMEDY = "Try apt-get install dataset-fashion-mnist";

    @TempDir
    Path dir;

    @Test
    void readsImagesScaledToUnitIntervalAndLabels() throws IOException {
        byte[] pixels = {0, (byte) 255, 51, (byte) 128, 1, 2, 3, 4, 5, 6, 7, 8};
        Path images = write(dir.resolve("img.gz"), gzip(idx(Idx.UBYTE_RANK3, new int[] {2, 2, 3}, pixels)));
        Idx.Images read = Idx.readImages(images, 2, 3, REMEDY);
        assertEquals(2, read.count());
        assertEquals(12, read.pixels().length);
        assertEquals(0f, read.pixels()[0]);
        assertEquals(1f, read.pixels()[1]);
        assertEquals(0.2f, read.pixels()[2], 1e-7f);
        assertEquals(128 / 255f, read.pixels()[3]);
        assertEquals(8 / 255f, read.pixels()[11]);

        Path labels = write(dir.resolve("lab.gz"), gzip(idx(Idx.UBYTE_RANK1, new int[] {4}, new byte[] {9, 0, 3, 3})));
        assertArrayEquals(new int[] {9, 0, 3, 3}, Idx.readLabels(labels, 10, REMEDY));
    }

    @Test
    void readsAFileLargerThanTheBuffer() throws IOException {
        int count = 200;
        Path images = write(dir.resolve("big.gz"),
                gzip(idx(Idx.UBYTE_RANK3, new int[] {count, 28, 28}, IdxFixtures.imagePayload(count, 28))));
        Idx.Images read = Idx.readImages(images, 28, 28, REMEDY);
        assertEquals(count * 784, read.pixels().length);
        assertEquals((199 * 7 % 256) / 255f, read.pixels()[199 * 784 + 783]);
    }

    @Test
    void badMagicNamesTheFileAndTheRemedy() throws IOException {
        // A labels file where images are expected: the classic mix-up.
        Path file = write(dir.resolve("swapped.gz"), gzip(idx(Idx.UBYTE_RANK1, new int[] {1}, new byte[] {1})));
        DatasetFileException e = assertThrows(DatasetFileException.class, () -> Idx.readImages(file, 28, 28, REMEDY));
        assertMessage(e, file, "magic number 0x00000801", "0x00000803");
        assertEquals(file, e.file());

        Path labels = write(dir.resolve("notlabels.gz"), gzip(idx(0x12345678, new int[] {1}, new byte[] {1})));
        assertMessage(assertThrows(DatasetFileException.class, () -> Idx.readLabels(labels, 10, REMEDY)),
                labels, "magic number 0x12345678");
    }

    @Test
    void truncatedPayloadSaysTruncated() throws IOException {
        byte[] tooFew = IdxFixtures.imagePayload(2, 28);
        Path file = write(dir.resolve("short.gz"), gzip(idx(Idx.UBYTE_RANK3, new int[] {3, 28, 28}, tooFew)));
        assertMessage(assertThrows(DatasetFileException.class, () -> Idx.readImages(file, 28, 28, REMEDY)),
                file, "truncated", "3 images");

        Path labels = write(dir.resolve("shortlabels.gz"), gzip(idx(Idx.UBYTE_RANK1, new int[] {5}, new byte[3])));
        assertMessage(assertThrows(DatasetFileException.class, () -> Idx.readLabels(labels, 10, REMEDY)),
                labels, "truncated", "5 labels");
    }

    @Test
    void truncatedGzipStreamIsCorrupt() throws IOException {
        byte[] whole = gzip(idx(Idx.UBYTE_RANK3, new int[] {50, 28, 28}, IdxFixtures.imagePayload(50, 28)));
        Path file = write(dir.resolve("cut.gz"), Arrays.copyOf(whole, whole.length / 2));
        assertMessage(assertThrows(DatasetFileException.class, () -> Idx.readImages(file, 28, 28, REMEDY)),
                file, "Corrupt");
    }

    @Test
    void notGzipIsCorrupt() throws IOException {
        Path file = write(dir.resolve("plain"), idx(Idx.UBYTE_RANK1, new int[] {1}, new byte[] {1}));
        assertMessage(assertThrows(DatasetFileException.class, () -> Idx.readLabels(file, 10, REMEDY)),
                file, "Corrupt", "gzip");
    }

    @Test
    void headerCutShortIsCorrupt() throws IOException {
        Path file = write(dir.resolve("header.gz"), gzip(new byte[] {0, 0, 8, 3, 0, 0}));
        assertMessage(assertThrows(DatasetFileException.class, () -> Idx.readImages(file, 28, 28, REMEDY)),
                file, "header");
    }

    @Test
    void wrongDimensionsAreRejected() throws IOException {
        Path file = write(dir.resolve("dims.gz"),
                gzip(idx(Idx.UBYTE_RANK3, new int[] {1, 32, 32}, new byte[32 * 32])));
        assertMessage(assertThrows(DatasetFileException.class, () -> Idx.readImages(file, 28, 28, REMEDY)),
                file, "32x32", "expected 28x28");
    }

    @Test
    void trailingDataIsRejected() throws IOException {
        Path file = write(dir.resolve("long.gz"), gzip(idx(Idx.UBYTE_RANK1, new int[] {2}, new byte[] {1, 2, 3})));
        assertMessage(assertThrows(DatasetFileException.class, () -> Idx.readLabels(file, 10, REMEDY)),
                file, "after the last item");
    }

    @Test
    void labelOutOfRangeIsRejected() throws IOException {
        Path file = write(dir.resolve("range.gz"), gzip(idx(Idx.UBYTE_RANK1, new int[] {2}, new byte[] {1, 10})));
        assertMessage(assertThrows(DatasetFileException.class, () -> Idx.readLabels(file, 10, REMEDY)),
                file, "label 10 at index 1");
    }

    @Test
    void implausibleCountIsRejectedBeforeAllocating() throws IOException {
        Path file = write(dir.resolve("huge.gz"), gzip(idx(Idx.UBYTE_RANK3, new int[] {Integer.MAX_VALUE, 28, 28},
                new byte[0])));
        assertMessage(assertThrows(DatasetFileException.class, () -> Idx.readImages(file, 28, 28, REMEDY)),
                file, "implausible");
    }

    @Test
    void missingFileSaysNotFound() {
        Path file = dir.resolve("absent.gz");
        assertMessage(assertThrows(DatasetFileException.class, () -> Idx.readImages(file, 28, 28, REMEDY)),
                file, "not found");
    }

    private static void assertMessage(DatasetFileException e, Path file, String... fragments) {
        String m = e.getMessage();
        assertTrue(m.contains(file.toString()), () -> "message does not name " + file + ": " + m);
        assertTrue(m.contains(REMEDY), () -> "message lacks the remedy: " + m);
        for (String f : fragments) {
            assertTrue(m.contains(f), () -> "message lacks '" + f + "': " + m);
        }
    }
}
