package org.dpdl4j.core.noise;

import java.security.SecureRandom;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * A deterministic pseudorandom stream named by a secret 256-bit key and a stream number: the AES-256-CTR
 * keystream that {@link SecureGaussianNoise} also uses, started at counter (stream, 0). The same key and
 * stream always give the same values, on any machine.
 *
 * <p>Why it exists: in a distributed step a worker draws randomness (which of its rows a Poisson-sampled
 * step includes) inside a task that the engine may run twice after a failure. The draw must then be a pure
 * function of what the task was given, or a retry would change the step. The driver draws one fresh key
 * per step from {@link SecureRandom} ({@link #newKey()}) and each partition uses its own stream of it.
 *
 * <p>Privacy assumption: the key is secret from everyone who sees the released outputs (it travels to the
 * workers, which see the data anyway, and nowhere else), and a key is used for one step only. Streams of one
 * key do not overlap for fewer than 2^64 blocks each. A key made by {@link #seededKey} is NOT secret and is
 * for reproducible tests only.
 */
public final class KeyedRandom implements RandomGenerator {

    private final AesCtrRandom stream;

    private KeyedRandom(AesCtrRandom stream) {
        this.stream = stream;
    }

    /**
     * Stream {@code stream} of {@code key}.
     *
     * @param key 32 bytes (not modified)
     * @param stream any value; distinct values give non-overlapping streams
     */
    public static KeyedRandom of(byte[] key, long stream) {
        Objects.requireNonNull(key, "key");
        if (key.length != 32) {
            throw new IllegalArgumentException("a stream key has 32 bytes (AES-256), got " + key.length);
        }
        byte[] counter = new byte[16];
        for (int i = 0; i < 8; i++) {
            counter[i] = (byte) (stream >>> (56 - 8 * i));
        }
        return new KeyedRandom(new AesCtrRandom(key.clone(), counter));
    }

    /** A fresh secret key from {@link SecureRandom}. */
    public static byte[] newKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return key;
    }

    /**
     * A key derived from a user seed and a step number: reproducible and NOT secret, for tests and
     * experiments run in seeded mode only.
     */
    public static byte[] seededKey(long seed, long step) {
        byte[] key = new byte[32];
        java.util.SplittableRandom r = new java.util.SplittableRandom(
                SeededGaussianNoise.streamSeed(seed, step, 0x6b6579L)); // "key"
        for (int i = 0; i < key.length; i += 8) {
            long v = r.nextLong();
            for (int j = 0; j < 8; j++) {
                key[i + j] = (byte) (v >>> (8 * j));
            }
        }
        return key;
    }

    @Override
    public long nextLong() {
        return stream.nextLong();
    }

    @Override
    public String toString() {
        return "KeyedRandom[AES-256-CTR, key withheld]";
    }
}
