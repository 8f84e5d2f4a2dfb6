package org.dpdl4j.core.noise;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Uniform 64-bit words from the AES-256-CTR keystream: a CSPRNG whose output is indistinguishable from
 * uniform bits to anyone without the key, assuming AES is a pseudorandom permutation. HotSpot compiles
 * CTR mode to AES-NI instructions, so a word costs a few nanoseconds, far less than SecureRandom.
 *
 * <p>Not thread-safe; the owner serialises calls.
 */
final class AesCtrRandom {

    private static final int BUFFER_BYTES = 1 << 15;
    /*
     * A block cipher in counter mode never repeats a block under one key, which a truly random stream
     * would do after ~2^64 blocks; the distinguishing advantage this gives is q^2 / 2^129 for q blocks.
     * Rekeying every 2^32 blocks (64 GiB) keeps it below 2^-65 per key.
     */
    private static final long BLOCKS_PER_KEY = 1L << 32;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final SecureRandom keySource;
    private final byte[] zeros = new byte[BUFFER_BYTES];
    private final byte[] keystream = new byte[BUFFER_BYTES];
    private int position = BUFFER_BYTES;
    private long blocksUnderKey;
    private Cipher cipher;

    /** A stream under a fresh random 256-bit key and random initial counter drawn from {@code keySource}. */
    AesCtrRandom(SecureRandom keySource) {
        this.keySource = keySource;
        rekey();
    }

    /** A stream under a fixed key: reproducible, hence for tests only; it refuses to rekey. */
    AesCtrRandom(byte[] key, byte[] initialCounter) {
        this.keySource = null;
        init(key.clone(), initialCounter.clone());
    }

    long nextLong() {
        if (position == BUFFER_BYTES) {
            refill();
        }
        long word = (long) LONGS.get(keystream, position);
        position += Long.BYTES;
        return word;
    }

    /** Fills {@code dst[from, from + count)} with the next words of the stream, in bulk. */
    void nextLongs(long[] dst, int from, int count) {
        int i = from;
        int end = from + count;
        while (i < end) {
            if (position == BUFFER_BYTES) {
                refill();
            }
            int m = Math.min(end - i, (BUFFER_BYTES - position) / Long.BYTES);
            for (int j = 0; j < m; j++) {
                dst[i + j] = (long) LONGS.get(keystream, position + j * Long.BYTES);
            }
            i += m;
            position += m * Long.BYTES;
        }
    }

    private void refill() {
        if (blocksUnderKey >= BLOCKS_PER_KEY) {
            rekey();
        }
        try {
            // CTR encryption of zeros is the keystream itself.
            int n = cipher.update(zeros, 0, BUFFER_BYTES, keystream, 0);
            if (n != BUFFER_BYTES) {
                throw new IllegalStateException("AES-CTR returned " + n + " bytes instead of " + BUFFER_BYTES);
            }
        } catch (ShortBufferException e) {
            throw new IllegalStateException("AES-CTR keystream buffer too small", e);
        }
        blocksUnderKey += BUFFER_BYTES / 16;
        position = 0;
    }

    private void rekey() {
        if (keySource == null) {
            throw new IllegalStateException("a fixed-key test stream cannot be rekeyed");
        }
        byte[] key = new byte[32];
        byte[] counter = new byte[16];
        keySource.nextBytes(key);
        keySource.nextBytes(counter);
        init(key, counter);
    }

    private void init(byte[] key, byte[] counter) {
        if (key.length != 32 || counter.length != 16) {
            throw new IllegalArgumentException("AES-256-CTR needs a 32-byte key and a 16-byte counter");
        }
        try {
            Cipher c = Cipher.getInstance("AES/CTR/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(counter));
            cipher = c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR/NoPadding is unavailable in this JVM", e);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
        blocksUnderKey = 0;
        position = BUFFER_BYTES;
    }
}
