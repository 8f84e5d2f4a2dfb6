package org.dpdl4j.accountant.ledger;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A ledger file opened for reading and writing under an exclusive OS lock, so that two writers (in this
 * process or another) can never interleave records and collide on sequence numbers.
 *
 * <p>Reads and writes go through {@link RandomAccessFile} rather than its channel on purpose: an
 * interrupt during a channel operation closes the channel, which would make one interrupted trainer
 * thread break the ledger for every other thread. Only the lock uses the channel.
 */
final class LockedLedgerFile implements LedgerFile {

    private final Path path;
    private final RandomAccessFile file;
    private final FileLock lock;
    /** The file's identity (device and inode on POSIX) when opened; null where the platform has none. */
    private final Object fileKey;

    private LockedLedgerFile(Path path, RandomAccessFile file, FileLock lock, Object fileKey) {
        this.path = path;
        this.file = file;
        this.lock = lock;
        this.fileKey = fileKey;
    }

    static LockedLedgerFile open(Path path) throws IOException {
        boolean existed = Files.exists(path);
        RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw");
        FileLock lock;
        try {
            FileChannel channel = raf.getChannel();
            lock = channel.tryLock();
            if (lock == null) {
                throw new IOException("privacy ledger " + path + " is locked by another process; only one "
                        + "writer may append to a ledger at a time. Close the other writer, or use "
                        + "PrivacyLedger.read(path) for read-only access");
            }
        } catch (OverlappingFileLockException e) {
            raf.close();
            throw new IOException("privacy ledger " + path + " is already open in this process; share that "
                    + "PrivacyLedger instance (it is thread-safe) instead of opening the file twice, or use "
                    + "PrivacyLedger.read(path) for read-only access", e);
        } catch (IOException | RuntimeException e) {
            raf.close();
            throw e;
        }
        if (!existed) {
            syncDirectory(path);
        }
        Object key;
        try {
            key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (IOException | RuntimeException e) {
            lock.release();
            raf.close();
            throw e;
        }
        return new LockedLedgerFile(path, raf, lock, key);
    }

    /**
     * Makes the new file's directory entry durable, so a crash right after the first append cannot lose
     * the whole file. Best effort: some platforms cannot open a directory for syncing.
     */
    private static void syncDirectory(Path path) {
        Path dir = path.toAbsolutePath().getParent();
        if (dir == null) {
            return;
        }
        try (FileChannel channel = FileChannel.open(dir)) {
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            // Not fatal: the file content is still forced on every append.
        }
    }

    @Override
    public byte[] readAll() throws IOException {
        long length = file.length();
        if (length > Integer.MAX_VALUE - 8) {
            throw new IOException("ledger file is too large to read (" + length + " bytes)");
        }
        byte[] bytes = new byte[(int) length];
        file.seek(0);
        file.readFully(bytes);
        return bytes;
    }

    @Override
    public void write(long position, byte[] bytes) throws IOException {
        file.seek(position);
        file.write(bytes);
    }

    @Override
    public void sync() throws IOException {
        file.getFD().sync();
    }

    @Override
    public void truncate(long length) throws IOException {
        file.setLength(length);
    }

    @Override
    public void checkStillAtPath() throws IOException {
        Object now;
        try {
            now = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            throw new IOException("the ledger file " + path + " was deleted or moved (or its directory removed) while "
                    + "open, so records written now would be lost; restore the file or its directory from a backup "
                    + "(every record in it is spent privacy) and reopen the ledger", e);
        }
        if (fileKey != null && !fileKey.equals(now)) {
            throw new IOException("the ledger file " + path + " was replaced by another file while open, so records "
                    + "written now would not land in it; put the original file back and reopen the ledger");
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } finally {
            file.close();
        }
    }
}
