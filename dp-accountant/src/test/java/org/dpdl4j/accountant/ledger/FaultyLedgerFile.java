package org.dpdl4j.accountant.ledger;

import java.io.IOException;

/** Wraps a real ledger file and fails chosen operations, to test that failed appends leave no trace. */
final class FaultyLedgerFile implements LedgerFile {

    private final LedgerFile delegate;
    /** When true, the next write stores only half its bytes and then fails. */
    volatile boolean failNextWriteHalfway;
    /** When true, the next sync fails (after the bytes were written). */
    volatile boolean failNextSync;
    /** When true, every truncate fails. */
    volatile boolean failTruncate;

    FaultyLedgerFile(LedgerFile delegate) {
        this.delegate = delegate;
    }

    @Override
    public byte[] readAll() throws IOException {
        return delegate.readAll();
    }

    @Override
    public void write(long position, byte[] bytes) throws IOException {
        if (failNextWriteHalfway) {
            failNextWriteHalfway = false;
            byte[] half = new byte[bytes.length / 2];
            System.arraycopy(bytes, 0, half, 0, half.length);
            delegate.write(position, half);
            throw new IOException("No space left on device (injected)");
        }
        delegate.write(position, bytes);
    }

    @Override
    public void sync() throws IOException {
        if (failNextSync) {
            failNextSync = false;
            throw new IOException("Input/output error (injected)");
        }
        delegate.sync();
    }

    @Override
    public void truncate(long length) throws IOException {
        if (failTruncate) {
            throw new IOException("Read-only file system (injected)");
        }
        delegate.truncate(length);
    }

    @Override
    public void checkStillAtPath() throws IOException {
        delegate.checkStillAtPath();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
