package org.dpdl4j.accountant.ledger;

import java.io.Closeable;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.dpdl4j.accountant.EpsilonResult;
import org.dpdl4j.accountant.LibraryVersion;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.event.ComposedEvent;
import org.dpdl4j.accountant.event.DpEvent;

/**
 * An append-only, crash-safe record of every privacy-consuming step, stored as JSON Lines (one
 * {@link LedgerRecord} per line, see {@link #FORMAT_VERSION}). An auditor can recompute ε from the file
 * alone with {@link #read(Path)} or {@link #readEvent(Path...)} and any {@link PrivacyAccountant}.
 *
 * <p>Durability: each append writes one line and forces it to the storage device before returning; a
 * failed write is rolled back and leaves neither the file nor this object changed. An append also fails,
 * recording nothing, if the file was deleted, moved or replaced since it was opened (writes to an unlinked
 * file would otherwise succeed and be lost with it). Opening re-validates
 * the whole file and reports any damage as a {@link CorruptLedgerException} instead of reading around it.
 * The file is locked while open, so there is one writer per file; within the process this object is
 * thread-safe and appends are serialised.
 *
 * <p>History is kept as a tally of base events with counts, so {@link #toEvent()} is a flat composition
 * whose size does not grow with the number of records.
 *
 * <p>Privacy assumption: a step is recorded <em>before</em> it runs (append returns, then the noise is
 * drawn), so the ledger can only over-state what was released, never under-state it; and each record's
 * event is what its steps actually ran.
 */
public final class PrivacyLedger implements Closeable {

    /**
     * Version of the line format written by this class. Version 1: fields {@code format_version},
     * {@code seq} (1-based, equal to the line number), {@code time} (ISO-8601 UTC), {@code library_version},
     * {@code mechanism}, {@code first_step}, {@code steps} and {@code event} ({@link DpEventJson} form).
     */
    public static final int FORMAT_VERSION = 1;

    private final Path file;
    private final LedgerFile storage;
    private final Clock clock;
    private final Object lock = new Object();

    // Guarded by lock.
    private final List<LedgerRecord> records;
    private final Map<String, Long> nextStepByMechanism = new HashMap<>();
    private EventTally tally;
    private String headHash;
    private long committedBytes;
    private boolean broken;
    private boolean closed;

    private PrivacyLedger(Path file, LedgerFile storage, Clock clock, LedgerReader.Contents contents,
                          long committedBytes) {
        this.file = file;
        this.storage = storage;
        this.clock = clock;
        this.records = new ArrayList<>(contents.records());
        this.tally = contents.tally();
        this.headHash = contents.headHash();
        this.committedBytes = committedBytes;
        for (LedgerRecord r : records) {
            nextStepByMechanism.merge(r.mechanism(), r.endStep(), Math::max);
        }
    }

    /**
     * Opens the ledger at a path for appending, creating an empty one if the file does not exist. An
     * existing file is read and validated first.
     *
     * @throws CorruptLedgerException if the existing file is damaged (names the line and what to do)
     * @throws IOException if the file cannot be created, read or locked (e.g. already open elsewhere)
     */
    public static PrivacyLedger open(Path file) throws IOException {
        return open(file, Clock.systemUTC(), LockedLedgerFile::open);
    }

    static PrivacyLedger open(Path file, Clock clock, LedgerFile.Opener opener) throws IOException {
        Objects.requireNonNull(file, "ledger path must not be null");
        Objects.requireNonNull(clock, "clock must not be null");
        checkParentDirectory(file);
        if (Files.isDirectory(file)) {
            throw new IOException("cannot open privacy ledger " + file + ": it is a directory; give a file path "
                    + "such as " + file.resolve("privacy-ledger.jsonl"));
        }
        LedgerFile storage;
        try {
            storage = opener.open(file);
        } catch (FileNotFoundException e) {
            // RandomAccessFile reports permission and path problems as FileNotFoundException with the OS reason.
            throw new IOException("cannot open privacy ledger " + file + " for writing (" + e.getMessage()
                    + "); check that the path is a writable file in an existing directory", e);
        }
        try {
            byte[] bytes = storage.readAll();
            LedgerReader.Contents contents = LedgerReader.parse(file, bytes, FORMAT_VERSION);
            return new PrivacyLedger(file, storage, clock, contents, bytes.length);
        } catch (IOException | RuntimeException e) {
            try {
                storage.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static void checkParentDirectory(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new IOException("cannot open privacy ledger " + file + ": " + parent
                    + (Files.exists(parent) ? " is not a directory" : " does not exist; create the directory first"));
        }
    }

    /**
     * Reads and validates a ledger file without locking or modifying it, e.g. for an audit. A ledger that
     * another process is appending to at this moment may show that append as an incomplete final line;
     * read again once the writer has moved on.
     *
     * @return the records in file order
     * @throws CorruptLedgerException if the file is damaged
     */
    public static List<LedgerRecord> read(Path file) throws IOException {
        return readContents(file).records();
    }

    private static LedgerReader.Contents readContents(Path file) throws IOException {
        Objects.requireNonNull(file, "ledger path must not be null");
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "privacy ledger file does not exist");
        }
        return LedgerReader.parse(file, Files.readAllBytes(file), FORMAT_VERSION);
    }

    /**
     * The composed cost of every record in one or more ledger files, as a flat {@link ComposedEvent} of
     * {@link org.dpdl4j.accountant.event.SelfComposedEvent}s. Pass the ledgers of all mechanisms that ran on
     * the same data (e.g. a DP-PCA ledger and a training ledger) to account for them together.
     *
     * @throws CorruptLedgerException if any file is damaged
     * @throws IllegalArgumentException if the files state events under different neighbouring relations
     */
    public static DpEvent readEvent(Path... files) throws IOException {
        return readEvent(Arrays.asList(files));
    }

    /** As {@link #readEvent(Path...)}. */
    public static DpEvent readEvent(Collection<Path> files) throws IOException {
        EventTally total = EventTally.EMPTY;
        for (Path f : files) {
            total = total.plus(readContents(f).tally());
        }
        return total.toEvent();
    }

    /** The composed cost of a list of records (e.g. from {@link #read(Path)}), flattened like {@link #toEvent()}. */
    public static DpEvent compose(Collection<LedgerRecord> records) {
        EventTally total = EventTally.EMPTY;
        for (LedgerRecord r : records) {
            total = total.plus(r.cost());
        }
        return total.toEvent();
    }

    /**
     * The composed history of several open ledgers (separate mechanisms on the same data).
     *
     * @throws IllegalArgumentException if they state events under different neighbouring relations
     */
    public static DpEvent compose(PrivacyLedger... ledgers) {
        EventTally total = EventTally.EMPTY;
        for (PrivacyLedger l : ledgers) {
            total = total.plus(l.tally());
        }
        return total.toEvent();
    }

    /**
     * Removes an incomplete final line (one without a trailing newline) left by an interrupted append, and
     * nothing else. Call it only if your code runs steps after their append returned, so that the steps of
     * the unacknowledged record never ran; the file must not be open as a ledger.
     *
     * @return the removed text, or empty if the file ended with a complete line
     */
    public static Optional<String> discardIncompleteFinalLine(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "privacy ledger file does not exist");
        }
        try (LedgerFile storage = LockedLedgerFile.open(file)) {
            byte[] bytes = storage.readAll();
            int keep = bytes.length;
            while (keep > 0 && bytes[keep - 1] != '\n') {
                keep--;
            }
            if (keep == bytes.length) {
                return Optional.empty();
            }
            storage.truncate(keep);
            storage.sync();
            return Optional.of(new String(bytes, keep, bytes.length - keep, StandardCharsets.UTF_8));
        }
    }

    /**
     * Records that {@code steps} steps of {@code event}, numbered from {@code firstStep}, are about to run
     * for {@code mechanism}. Returns once the record is on the storage device.
     *
     * @throws IllegalArgumentException for an invalid record (blank label, no steps, mixed relations)
     * @throws IOException if the write fails; nothing is recorded then
     */
    public LedgerRecord append(String mechanism, DpEvent event, long firstStep, long steps) throws IOException {
        return append(mechanism, event, firstStep, steps, null);
    }

    /**
     * As {@link #append(String, DpEvent, long, long)}, but first runs {@code guard} under the append lock;
     * if it throws, nothing is written and its exception propagates.
     *
     * @param guard check of the resulting history, or {@code null} for none
     */
    public LedgerRecord append(String mechanism, DpEvent event, long firstStep, long steps, AppendGuard guard)
            throws IOException {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("privacy ledger " + file + " is closed; open it again to append");
            }
            if (broken) {
                throw new IOException("privacy ledger " + file + " could not be restored after a failed write and "
                        + "refuses further appends; close it and open it again, which re-validates the file");
            }
            LedgerRecord record = new LedgerRecord(FORMAT_VERSION, records.size() + 1L, clock.instant(),
                    LibraryVersion.get(), mechanism, firstStep, steps, event);
            EventTally next = tally.plus(record.cost());
            if (guard != null) {
                guard.check(tally.toEvent(), next.toEvent());
            }
            String text = LedgerRecordJson.encode(record, headHash);
            byte[] line = (text + "\n").getBytes(StandardCharsets.UTF_8);
            write(record, line);
            headHash = LedgerRecordJson.hashOf(text);
            // Only now, with the line durable, does the record count as spent.
            records.add(record);
            tally = next;
            committedBytes += line.length;
            nextStepByMechanism.merge(record.mechanism(), record.endStep(), Math::max);
            return record;
        }
    }

    /**
     * SHA-256 hash of the last record (64 zeros for an empty ledger). Each record's hash covers its
     * predecessor's, so recording this value somewhere an editor cannot write (a report, a commit, a
     * ticket) lets an auditor detect any later change to the file.
     */
    public String headHash() {
        synchronized (lock) {
            return headHash;
        }
    }

    private void write(LedgerRecord record, byte[] line) throws IOException {
        try {
            // Before: no record goes to a file that left its path. After: a removal during the write is caught.
            storage.checkStillAtPath();
            storage.write(committedBytes, line);
            storage.sync();
            storage.checkStillAtPath();
        } catch (IOException | RuntimeException e) {
            String state;
            try {
                // A partial line left behind would corrupt the next append's line, so cut it off.
                storage.truncate(committedBytes);
                storage.sync();
                state = "nothing was recorded and the ledger is unchanged; fix the cause (disk full? permissions? "
                        + "storage gone?) and retry";
            } catch (IOException | RuntimeException rollback) {
                e.addSuppressed(rollback);
                broken = true;
                state = "the partial write could not be undone, so this ledger refuses further appends; the record "
                        + "does not count as spent. Reopen the ledger once the cause is fixed: opening re-validates "
                        + "the file";
            }
            throw new IOException("could not record " + record.steps() + " step(s) of '" + record.mechanism()
                    + "' (seq " + record.sequence() + ") in privacy ledger " + file + ": " + e.getMessage() + "; "
                    + state, e);
        }
    }

    /** The records so far, in order (an immutable snapshot). */
    public List<LedgerRecord> records() {
        synchronized (lock) {
            return List.copyOf(records);
        }
    }

    /** Number of records so far (the sequence number of the last one). */
    public int size() {
        synchronized (lock) {
            return records.size();
        }
    }

    /**
     * The whole history as one event: a flat {@link ComposedEvent} of one
     * {@link org.dpdl4j.accountant.event.SelfComposedEvent} per distinct base event.
     */
    public DpEvent toEvent() {
        return tally().toEvent();
    }

    /** Distinct base events of the history with their total run counts, in first-recorded order. */
    public Map<DpEvent, Long> baseEventCounts() {
        return tally().counts();
    }

    private EventTally tally() {
        synchronized (lock) {
            return tally;
        }
    }

    /**
     * The guarantee of the whole history according to an accountant.
     *
     * @param delta δ in (0, 1)
     */
    public EpsilonResult epsilon(PrivacyAccountant accountant, double delta) {
        return accountant.epsilon(toEvent(), delta);
    }

    /**
     * One past the last step recorded for a mechanism (0 if it has none): where a resumed run continues
     * its step numbering.
     */
    public long nextStep(String mechanism) {
        synchronized (lock) {
            return nextStepByMechanism.getOrDefault(mechanism, 0L);
        }
    }

    /** The ledger file. */
    public Path file() {
        return file;
    }

    /** Releases the file lock and closes the file. Appending afterwards is an error; reading is not. */
    @Override
    public void close() throws IOException {
        synchronized (lock) {
            if (!closed) {
                closed = true;
                storage.close();
            }
        }
    }

    @Override
    public String toString() {
        return "PrivacyLedger[" + file + ", " + size() + " records]";
    }
}
