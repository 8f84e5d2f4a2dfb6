package org.dpdl4j.accountant.ledger;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The byte-level file under a {@link PrivacyLedger}: what the ledger needs from storage, kept apart so
 * that tests can inject write failures and check that a failed append leaves no trace.
 */
interface LedgerFile extends Closeable {

    /** Opens (creating if absent) and exclusively locks the file at a path. */
    @FunctionalInterface
    interface Opener {
        LedgerFile open(Path path) throws IOException;
    }

    /** The whole current content. */
    byte[] readAll() throws IOException;

    /** Writes all bytes at the position (which is the end of the committed content). */
    void write(long position, byte[] bytes) throws IOException;

    /** Forces content and metadata (file length) to the storage device. */
    void sync() throws IOException;

    /** Cuts the file to the given length. */
    void truncate(long length) throws IOException;

    /**
     * Checks that the open file is still the one at its path: a ledger file deleted, moved or replaced
     * while open would swallow later records (on POSIX systems writes to an unlinked file succeed and
     * vanish). The default does nothing, for storage without a path.
     *
     * @throws IOException if the file is gone from its path or the path now names another file
     */
    default void checkStillAtPath() throws IOException {
    }
}
