package org.dpdl4j.core.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.dpdl4j.core.sampling.PoissonSampler;
import org.junit.jupiter.api.Test;

class KeyedRandomTest {

    private static long[] words(byte[] key, long stream, int n) {
        KeyedRandom r = KeyedRandom.of(key, stream);
        long[] out = new long[n];
        Arrays.setAll(out, i -> r.nextLong());
        return out;
    }

    @Test
    void aKeyAndStreamAlwaysGiveTheSameWordsAndOtherStreamsOrKeysOthers() {
        byte[] key = KeyedRandom.newKey();
        assertArrayEquals(words(key, 3, 100), words(key, 3, 100), "a retried task redraws the same values");
        assertFalse(Arrays.equals(words(key, 3, 100), words(key, 4, 100)));
        assertFalse(Arrays.equals(words(key, 3, 100), words(KeyedRandom.newKey(), 3, 100)));
        assertArrayEquals(KeyedRandom.seededKey(7, 2), KeyedRandom.seededKey(7, 2));
        assertFalse(Arrays.equals(KeyedRandom.seededKey(7, 2), KeyedRandom.seededKey(7, 3)));
        byte[] copy = key.clone();
        KeyedRandom.of(key, 0).nextLong();
        assertArrayEquals(copy, key, "the caller's key is not wiped or changed");
        assertThrows(IllegalArgumentException.class, () -> KeyedRandom.of(new byte[16], 0));
    }

    @Test
    void poissonDrawsFromAKeyedStreamAreRepeatableAndHaveRateQ() {
        byte[] key = KeyedRandom.seededKey(1, 0);
        long[] a = PoissonSampler.drawIndices(KeyedRandom.of(key, 5), 200_000, 0.01);
        assertArrayEquals(a, PoissonSampler.drawIndices(KeyedRandom.of(key, 5), 200_000, 0.01));
        // 2,000 expected, standard deviation about 44.5.
        assertEquals(2000, a.length, 250);
        for (int i = 1; i < a.length; i++) {
            if (a[i] <= a[i - 1]) {
                throw new AssertionError("indices must increase at " + i);
            }
        }
        assertEquals(0, PoissonSampler.drawIndices(KeyedRandom.of(key, 5), 0, 0.5).length);
        assertEquals(7, PoissonSampler.drawIndices(KeyedRandom.of(key, 5), 7, 1.0).length);
        assertThrows(IllegalArgumentException.class, () -> PoissonSampler.drawIndices(KeyedRandom.of(key, 5), 7, 0));
    }
}
