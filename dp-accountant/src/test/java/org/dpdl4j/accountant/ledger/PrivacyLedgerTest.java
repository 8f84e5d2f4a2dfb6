package org.dpdl4j.accountant.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.accountant.LibraryVersion;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.event.ComposedEvent;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.NeighbouringRelation;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SampledWithoutReplacementEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import org.dpdl4j.accountant.gaussian.GaussianAccountant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivacyLedgerTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-03-01T12:00:00.123Z"), ZoneOffset.UTC);
    private static final DpEvent SGD_STEP = PoissonSampledEvent.gaussian(0.004, 1.1);
    private static final DpEvent PCA = GaussianEvent.of(8.0);

    @TempDir
    Path dir;

    private PrivacyLedger open(Path file) throws IOException {
        return PrivacyLedger.open(file, CLOCK, LockedLedgerFile::open);
    }

    private Path ledgerWith(int records) throws IOException {
        Path file = dir.resolve("ledger.jsonl");
        try (PrivacyLedger ledger = open(file)) {
            for (int i = 0; i < records; i++) {
                ledger.append("dp-sgd", SGD_STEP, 100L * i, 100);
            }
        }
        return file;
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }

    /** Recomputes a deliberately edited line's own hash, so that the checks behind the hash are reached. */
    static String rehash(String line) {
        int at = line.lastIndexOf(",\"hash\":\"");
        String body = line.substring(0, at) + "}";
        return line.substring(0, at) + ",\"hash\":\"" + LedgerRecordJson.sha256(body) + "\"}";
    }

    private static void writeLines(Path file, List<String> lines) throws IOException {
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }

    @Test
    void appendWritesOneDocumentedLinePerRecord() throws IOException {
        Path file = dir.resolve("ledger.jsonl");
        try (PrivacyLedger ledger = open(file)) {
            LedgerRecord r = ledger.append("dp-sgd", SGD_STEP, 0, 250);
            assertEquals(1, r.sequence());
            assertEquals(new SelfComposedEvent(SGD_STEP, 250), r.cost());
        }
        assertEquals(List.of("{\"format_version\":1,\"seq\":1,\"time\":\"2025-03-01T12:00:00.123Z\",\"library_version\":\""
                + LibraryVersion.get() + "\",\"mechanism\":\"dp-sgd\",\"first_step\":0,\"steps\":250,\"event\":"
                + "{\"type\":\"poisson_sampled\",\"sampling_rate\":0.004,\"event\":{\"type\":\"gaussian\","
                + "\"noise_multiplier\":1.1,\"relation\":\"add_or_remove_one\"}},\"prev_hash\":\"" + "0".repeat(64)
                + "\",\"hash\":\"68579c46f11c8ff47e4c4de267ad872ebe9a4b274f2dbc17416062778840f0f2\"}"), lines(file));
        assertTrue(Files.readString(file).endsWith("\n"));
    }

    @Test
    void reopeningRestoresRecordsHistoryAndStepNumbering() throws IOException {
        Path file = dir.resolve("ledger.jsonl");
        List<LedgerRecord> written = new ArrayList<>();
        try (PrivacyLedger ledger = open(file)) {
            written.add(ledger.append("dp-pca", PCA, 0, 1));
            written.add(ledger.append("dp-sgd", SGD_STEP, 0, 100));
            written.add(ledger.append("dp-sgd", SGD_STEP, 100, 50));
        }
        try (PrivacyLedger ledger = open(file)) {
            assertEquals(written, ledger.records());
            assertEquals(written, PrivacyLedger.read(file));
            assertEquals(3, ledger.size());
            assertEquals(150, ledger.nextStep("dp-sgd"));
            assertEquals(1, ledger.nextStep("dp-pca"));
            assertEquals(0, ledger.nextStep("head-noisygd"));
            assertEquals(4, ledger.append("dp-sgd", SGD_STEP, 150, 10).sequence());
        }
    }

    @Test
    void historyIsAFlatTallyOfBaseEvents() throws IOException {
        try (PrivacyLedger ledger = open(dir.resolve("ledger.jsonl"))) {
            assertEquals(ComposedEvent.of(), ledger.toEvent());
            ledger.append("dp-pca", PCA, 0, 1);
            ledger.append("dp-sgd", SGD_STEP, 0, 100);
            ledger.append("dp-sgd", SGD_STEP, 100, 50);
            ledger.append("dp-sgd", new SelfComposedEvent(SGD_STEP, 2), 150, 5);
            assertEquals(ComposedEvent.of(new SelfComposedEvent(PCA, 1), new SelfComposedEvent(SGD_STEP, 160)),
                    ledger.toEvent());
        }
    }

    @Test
    void truncatedFinalLineIsReportedAndCanBeDiscardedExplicitly() throws IOException {
        Path file = ledgerWith(3);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 30));

        CorruptLedgerException e = assertThrows(CorruptLedgerException.class, () -> open(file));
        assertEquals(3, e.lineNumber());
        assertEquals(file, e.file());
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("line 3")
                && e.getMessage().contains("discardIncompleteFinalLine"), e.getMessage());
        assertThrows(CorruptLedgerException.class, () -> PrivacyLedger.read(file));

        Optional<String> removed = PrivacyLedger.discardIncompleteFinalLine(file);
        assertTrue(removed.orElseThrow().startsWith("{\"format_version\":1,\"seq\":3,"), removed.toString());
        assertEquals(Optional.empty(), PrivacyLedger.discardIncompleteFinalLine(file));
        try (PrivacyLedger ledger = open(file)) {
            assertEquals(2, ledger.size());
            assertEquals(3, ledger.append("dp-sgd", SGD_STEP, 200, 100).sequence());
        }
    }

    @Test
    void completeFinalLineWithoutNewlineIsStillAnInterruptedAppend() throws IOException {
        Path file = ledgerWith(2);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 1));
        CorruptLedgerException e = assertThrows(CorruptLedgerException.class, () -> open(file));
        assertEquals(2, e.lineNumber());
        assertTrue(e.problem().contains("incomplete"), e.problem());
    }

    @Test
    void corruptMiddleLineIsReportedWithItsLineNumber() throws IOException {
        Path file = ledgerWith(3);
        List<String> lines = new ArrayList<>(lines(file));
        lines.set(1, lines.get(1).replace("\"steps\":100,", "\"steps\":1"));
        writeLines(file, lines);
        CorruptLedgerException e = assertThrows(CorruptLedgerException.class, () -> open(file));
        assertEquals(2, e.lineNumber());
        assertTrue(e.getMessage().contains("not valid JSON") && e.getMessage().contains("backup"), e.getMessage());
        assertThrows(CorruptLedgerException.class, () -> PrivacyLedger.read(file));
    }

    @Test
    void recordWithMissingOrInvalidFieldIsCorrupt() throws IOException {
        Path file = ledgerWith(3);
        List<String> original = lines(file);

        List<String> lines = new ArrayList<>(original);
        lines.set(1, rehash(lines.get(1).replace("\"steps\":100,", "")));
        writeLines(file, lines);
        CorruptLedgerException e = assertThrows(CorruptLedgerException.class, () -> open(file));
        assertEquals(2, e.lineNumber());
        assertTrue(e.problem().contains("'steps'"), e.problem());

        lines = new ArrayList<>(original);
        lines.set(2, rehash(lines.get(2).replace("\"noise_multiplier\":1.1,", "")));
        writeLines(file, lines);
        e = assertThrows(CorruptLedgerException.class, () -> open(file));
        assertEquals(3, e.lineNumber());
        assertTrue(e.problem().contains("event.event.noise_multiplier"), e.problem());

        lines = new ArrayList<>(original);
        lines.set(0, lines.get(0).replace("\"format_version\":1", "\"format_version\":7"));
        writeLines(file, lines);
        e = assertThrows(CorruptLedgerException.class, () -> open(file));
        assertTrue(e.getMessage().contains("newer dpdl4j"), e.getMessage());

        lines = new ArrayList<>(original);
        lines.add(1, "");
        writeLines(file, lines);
        e = assertThrows(CorruptLedgerException.class, () -> open(file));
        assertEquals(2, e.lineNumber());
        assertTrue(e.problem().contains("empty"), e.problem());

        byte[] bytes = Files.readAllBytes(file);
        bytes[5] = (byte) 0xC3; // a lone UTF-8 lead byte
        Files.write(file, bytes);
        e = assertThrows(CorruptLedgerException.class, () -> open(file));
        assertEquals(1, e.lineNumber());
    }

    @Test
    void handEditsAreDetectedByTheHashChain() throws IOException {
        Path file = ledgerWith(3);
        String anchored;
        try (PrivacyLedger l = PrivacyLedger.open(file)) {
            anchored = l.headHash();
        }
        List<String> original = lines(file);
        // A plausible edit: raising sigma in the middle record to make the run look more private.
        List<String> lines = new ArrayList<>(original);
        lines.set(1, lines.get(1).replace("\"noise_multiplier\":1.1", "\"noise_multiplier\":2.2"));
        writeLines(file, lines);
        CorruptLedgerException e = assertThrows(CorruptLedgerException.class, () -> PrivacyLedger.read(file));
        assertEquals(2, e.lineNumber());
        assertTrue(e.problem().contains("modified after it was written"), e.problem());
        // The same edit with the line's own hash recomputed: the next record's prev_hash no longer matches.
        lines.set(1, rehash(lines.get(1)));
        writeLines(file, lines);
        e = assertThrows(CorruptLedgerException.class, () -> PrivacyLedger.read(file));
        assertEquals(3, e.lineNumber());
        assertTrue(e.problem().contains("hash chain is broken"), e.problem());
        // Editing and re-hashing the last record passes the chain, but not an anchored head hash.
        lines = new ArrayList<>(original);
        lines.set(2, rehash(lines.get(2).replace("\"noise_multiplier\":1.1", "\"noise_multiplier\":2.2")));
        writeLines(file, lines);
        try (PrivacyLedger l = PrivacyLedger.open(file)) {
            assertTrue(!l.headHash().equals(anchored), "the head hash changes with any edit");
        }
    }

    @Test
    void sequenceGapIsCorrupt() throws IOException {
        Path file = ledgerWith(3);
        List<String> lines = new ArrayList<>(lines(file));
        lines.remove(1);
        writeLines(file, lines);
        CorruptLedgerException e = assertThrows(CorruptLedgerException.class, () -> open(file));
        assertEquals(2, e.lineNumber());
        assertTrue(e.problem().contains("sequence number 3 where 2 was expected"), e.problem());
    }

    @Test
    void duplicatedRecordIsCorrupt() throws IOException {
        Path file = ledgerWith(2);
        List<String> lines = new ArrayList<>(lines(file));
        lines.add(lines.get(1));
        writeLines(file, lines);
        CorruptLedgerException e = assertThrows(CorruptLedgerException.class, () -> PrivacyLedger.read(file));
        assertEquals(3, e.lineNumber());
    }

    @Test
    void unwritablePathsGiveAClearError() throws IOException {
        Path regularFile = Files.writeString(dir.resolve("not-a-dir"), "x");
        IOException e = assertThrows(IOException.class, () -> PrivacyLedger.open(regularFile.resolve("ledger.jsonl")));
        assertTrue(e.getMessage().contains("cannot open privacy ledger") && e.getMessage().contains("not a directory"),
                e.getMessage());

        e = assertThrows(IOException.class, () -> PrivacyLedger.open(dir.resolve("missing/ledger.jsonl")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());

        e = assertThrows(IOException.class, () -> PrivacyLedger.open(dir));
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());

        assertThrows(IOException.class, () -> PrivacyLedger.read(dir.resolve("absent.jsonl")));
    }

    /** On POSIX, writes to a deleted file succeed and vanish with it: the ledger must notice and refuse. */
    @Test
    void appendsToAFileDeletedOrReplacedWhileOpenAreRefused() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("runs"));
        Path file = sub.resolve("ledger.jsonl");
        try (PrivacyLedger ledger = open(file)) {
            ledger.append("dp-sgd", SGD_STEP, 0, 100);
            Files.delete(file);
            Files.delete(sub);
            IOException e = assertThrows(IOException.class, () -> ledger.append("dp-sgd", SGD_STEP, 100, 100));
            assertTrue(e.getMessage().contains("deleted or moved") && e.getMessage().contains("restore"), e.getMessage());
            assertEquals(1, ledger.size(), "the refused record is not counted");
            assertEquals(100, ledger.nextStep("dp-sgd"));
        }
        Files.createDirectories(sub);
        try (PrivacyLedger ledger = open(file)) {
            ledger.append("dp-sgd", SGD_STEP, 0, 100);
            byte[] before = Files.readAllBytes(file);
            Path moved = Files.move(file, sub.resolve("rotated.jsonl"));
            Files.write(file, new byte[0]);
            IOException e = assertThrows(IOException.class, () -> ledger.append("dp-sgd", SGD_STEP, 100, 100));
            assertTrue(e.getMessage().contains("replaced by another file"), e.getMessage());
            assertEquals(0, Files.size(file), "nothing is written to the replacement");
            assertArrayEquals(before, Files.readAllBytes(moved), "nor to the moved original");
        }
    }

    @Test
    void aLedgerFileHasOneWriterAtATime() throws IOException {
        Path file = dir.resolve("ledger.jsonl");
        try (PrivacyLedger ledger = PrivacyLedger.open(file)) {
            ledger.append("dp-sgd", SGD_STEP, 0, 1);
            IOException e = assertThrows(IOException.class, () -> PrivacyLedger.open(file));
            assertTrue(e.getMessage().contains("already open"), e.getMessage());
            assertEquals(1, PrivacyLedger.read(file).size()); // reading stays possible
        }
        try (PrivacyLedger again = PrivacyLedger.open(file)) {
            assertEquals(1, again.size());
        }
    }

    @Test
    void failedWriteIsRolledBackAndRecordsNothing() throws IOException {
        Path file = dir.resolve("ledger.jsonl");
        AtomicReference<FaultyLedgerFile> faulty = new AtomicReference<>();
        try (PrivacyLedger ledger = PrivacyLedger.open(file, CLOCK, p -> {
            faulty.set(new FaultyLedgerFile(LockedLedgerFile.open(p)));
            return faulty.get();
        })) {
            ledger.append("dp-sgd", SGD_STEP, 0, 100);
            byte[] before = Files.readAllBytes(file);
            DpEvent historyBefore = ledger.toEvent();

            faulty.get().failNextWriteHalfway = true;
            IOException e = assertThrows(IOException.class, () -> ledger.append("dp-sgd", SGD_STEP, 100, 100));
            assertTrue(e.getMessage().contains("No space left") && e.getMessage().contains("nothing was recorded"),
                    e.getMessage());
            assertArrayEquals(before, Files.readAllBytes(file));
            assertEquals(1, ledger.size());
            assertEquals(historyBefore, ledger.toEvent());
            assertEquals(100, ledger.nextStep("dp-sgd"));

            faulty.get().failNextSync = true;
            assertThrows(IOException.class, () -> ledger.append("dp-sgd", SGD_STEP, 100, 100));
            assertArrayEquals(before, Files.readAllBytes(file));
            assertEquals(1, ledger.size());

            assertEquals(2, ledger.append("dp-sgd", SGD_STEP, 100, 100).sequence());
        }
        assertEquals(2, PrivacyLedger.read(file).size());
    }

    @Test
    void failedRollbackStopsTheLedgerAndReopeningFindsTheDamage() throws IOException {
        Path file = dir.resolve("ledger.jsonl");
        AtomicReference<FaultyLedgerFile> faulty = new AtomicReference<>();
        try (PrivacyLedger ledger = PrivacyLedger.open(file, CLOCK, p -> {
            faulty.set(new FaultyLedgerFile(LockedLedgerFile.open(p)));
            return faulty.get();
        })) {
            ledger.append("dp-sgd", SGD_STEP, 0, 100);
            faulty.get().failNextWriteHalfway = true;
            faulty.get().failTruncate = true;
            IOException e = assertThrows(IOException.class, () -> ledger.append("dp-sgd", SGD_STEP, 100, 100));
            assertTrue(e.getMessage().contains("refuses further appends"), e.getMessage());
            assertEquals(1, ledger.size());
            e = assertThrows(IOException.class, () -> ledger.append("dp-sgd", SGD_STEP, 100, 100));
            assertTrue(e.getMessage().contains("open it again"), e.getMessage());
        }
        CorruptLedgerException e = assertThrows(CorruptLedgerException.class, () -> open(file));
        assertEquals(2, e.lineNumber());
    }

    @Test
    void invalidAppendsWriteNothing() throws IOException {
        Path file = dir.resolve("ledger.jsonl");
        try (PrivacyLedger ledger = open(file)) {
            ledger.append("dp-sgd", SGD_STEP, 0, 100);
            assertThrows(IllegalArgumentException.class, () -> ledger.append(" ", SGD_STEP, 100, 1));
            assertThrows(IllegalArgumentException.class, () -> ledger.append("dp-sgd", SGD_STEP, 100, 0));
            assertThrows(IllegalArgumentException.class, () -> ledger.append("dp-sgd", SGD_STEP, -1, 1));
            assertThrows(NullPointerException.class, () -> ledger.append("dp-sgd", null, 100, 1));
            // A replace-one step cannot be composed with the add/remove-one history.
            IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class, () -> ledger.append("dp-sgd",
                    new SampledWithoutReplacementEvent(64, 1000, new GaussianEvent(0.5, NeighbouringRelation.REPLACE_ONE)),
                    100, 1));
            assertTrue(mixed.getMessage().contains("neighbouring relations"), mixed.getMessage());
            assertThrows(IllegalStateException.class, () -> ledger.append("dp-sgd", SGD_STEP, 100, 1,
                    (history, proposed) -> {
                        throw new IllegalStateException("refused by guard");
                    }));
            assertEquals(1, ledger.size());
        }
        assertEquals(1, lines(file).size());
    }

    @Test
    void guardSeesHistoryBeforeAndAfterTheRecord() throws IOException {
        try (PrivacyLedger ledger = open(dir.resolve("ledger.jsonl"))) {
            ledger.append("dp-sgd", SGD_STEP, 0, 100);
            ledger.append("dp-sgd", SGD_STEP, 100, 10, (history, proposed) -> {
                assertEquals(ComposedEvent.of(new SelfComposedEvent(SGD_STEP, 100)), history);
                assertEquals(ComposedEvent.of(new SelfComposedEvent(SGD_STEP, 110)), proposed);
            });
        }
    }

    @Test
    void composingTwoLedgersEqualsComposingTheirEvents() throws IOException {
        Path pcaFile = dir.resolve("pca.jsonl");
        Path sgdFile = dir.resolve("sgd.jsonl");
        DpEvent otherStep = PoissonSampledEvent.gaussian(0.01, 0.9);
        try (PrivacyLedger pca = open(pcaFile); PrivacyLedger sgd = open(sgdFile)) {
            pca.append("dp-pca", PCA, 0, 1);
            sgd.append("dp-sgd", SGD_STEP, 0, 300);
            sgd.append("dp-sgd", otherStep, 300, 200);
            sgd.append("dp-sgd", SGD_STEP, 500, 100);

            DpEvent direct = ComposedEvent.of(PCA, new SelfComposedEvent(SGD_STEP, 300),
                    new SelfComposedEvent(otherStep, 200), new SelfComposedEvent(SGD_STEP, 100));
            DpEvent composed = PrivacyLedger.compose(pca, sgd);
            assertEquals(PrivacyLedger.readEvent(pcaFile, sgdFile), composed);
            assertEquals(PrivacyLedger.compose(PrivacyLedger.read(pcaFile)), pca.toEvent());

            PrivacyAccountant rdp = AccountantType.RDP.create();
            double expected = rdp.epsilon(direct, 1e-5).epsilon();
            assertEquals(expected, rdp.epsilon(composed, 1e-5).epsilon(), 1e-12 * expected);
            assertTrue(expected > sgd.epsilon(rdp, 1e-5).epsilon());
        }
    }

    @Test
    void composingFullBatchLedgersMatchesTheExactGaussianAccountant() throws IOException {
        try (PrivacyLedger a = open(dir.resolve("a.jsonl")); PrivacyLedger b = open(dir.resolve("b.jsonl"))) {
            a.append("dp-pca", GaussianEvent.of(4.0), 0, 1);
            b.append("head-noisygd", GaussianEvent.of(20.0), 0, 50);
            PrivacyAccountant exact = AccountantType.GAUSSIAN.create();
            double mu = Math.sqrt(1 / 16.0 + 50 / 400.0);
            assertEquals(GaussianAccountant.epsilon(mu, 1e-6), exact.epsilon(PrivacyLedger.compose(a, b), 1e-6).epsilon(),
                    1e-12);
        }
    }

    @Test
    void concurrentAppendsGetContiguousSequenceNumbers() throws Exception {
        Path file = dir.resolve("ledger.jsonl");
        int threads = 4;
        int perThread = 25;
        try (PrivacyLedger ledger = open(file)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    String mechanism = "trainer-" + t;
                    futures.add(pool.submit(() -> {
                        for (int i = 0; i < perThread; i++) {
                            ledger.append(mechanism, SGD_STEP, i, 1);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(threads * perThread, ledger.size());
            assertEquals(ComposedEvent.of(new SelfComposedEvent(SGD_STEP, threads * perThread)), ledger.toEvent());
        }
        List<LedgerRecord> reread = PrivacyLedger.read(file);
        for (int i = 0; i < reread.size(); i++) {
            assertEquals(i + 1, reread.get(i).sequence());
        }
        assertEquals(threads * perThread, reread.size());
    }

    @Test
    void appendAfterCloseIsRefused() throws IOException {
        PrivacyLedger ledger = open(dir.resolve("ledger.jsonl"));
        ledger.close();
        assertThrows(IllegalStateException.class, () -> ledger.append("dp-sgd", SGD_STEP, 0, 1));
    }
}
