package org.dpdl4j.core.noise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Secure noise drawn ahead (during the gradient computation) is exactly the noise the next call would have
 * drawn, is used by that call only, and is skipped, never reused, when the call does not match.
 */
class DrawAheadTest {

    private static SecureGaussianNoise fixedKey(int lanes) {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) 31);
        return SecureGaussianNoise.withFixedKeyForTests(key, lanes);
    }

    private static INDArray values(DataType type, int n) {
        Nd4j.getRandom().setSeed(3);
        return Nd4j.rand(type, 1, n).subi(0.5).muli(7);
    }

    @ParameterizedTest
    @CsvSource({"1, 1000, FLOAT", "2, 100000, FLOAT", "3, 200003, DOUBLE", "2, 70000, DOUBLE"})
    void aCallAfterDrawingAheadIsBitIdenticalToOneWithout(int lanes, int n, DataType type) {
        SecureGaussianNoise ahead = fixedKey(lanes);
        SecureGaussianNoise plain = fixedKey(lanes);
        for (int call = 0; call < 3; call++) {
            INDArray a = values(type, n);
            INDArray b = a.dup();
            ahead.drawAhead(n);
            ahead.addTo(a, 0.8);
            plain.addTo(b, 0.8);
            assertEquals(b, a, "call " + call);
        }
    }

    @Test
    void aMaskedCallUsesNoiseDrawnAheadForItsTrainedCoordinates() {
        int n = 90_000;
        INDArray mask = Nd4j.zeros(DataType.FLOAT, 1, n);
        for (int i = 0; i < n; i += 3) {
            mask.putScalar(0, i, 1f);
        }
        SecureGaussianNoise ahead = fixedKey(2);
        SecureGaussianNoise plain = fixedKey(2);
        INDArray a = values(DataType.FLOAT, n);
        INDArray b = a.dup();
        INDArray untouched = a.dup();
        ahead.drawAhead(mask.sumNumber().longValue());
        ahead.addTo(a, 0.5, mask);
        plain.addTo(b, 0.5, mask);
        assertEquals(b, a);
        assertEquals(untouched.getDouble(0, 1), a.getDouble(0, 1), 0.0, "an untrained coordinate stays as it was");
        assertNotEquals(untouched.getDouble(0, 0), a.getDouble(0, 0), "a trained coordinate is noised");
    }

    @ParameterizedTest
    @CsvSource({"1, 5000, 4000", "2, 100000, 99999", "2, 100000, 0"})
    void noiseDrawnForAnotherCountIsSkippedNotReused(int lanes, int drawn, int used) {
        // A step that ends without a release (budget refused, failure) leaves its noise unused; the next call
        // must continue the streams after it, exactly as if that noise had been spent on a discarded array.
        SecureGaussianNoise ahead = fixedKey(lanes);
        SecureGaussianNoise spent = fixedKey(lanes);
        ahead.drawAhead(drawn);
        spent.addTo(Nd4j.zeros(DataType.DOUBLE, 1, drawn), 1.0);
        int n = 80_000;
        INDArray a = values(DataType.DOUBLE, n);
        INDArray b = a.dup();
        if (used > 0) {
            // a call on a different count first: it must not take the noise drawn for `drawn` values
            INDArray c = values(DataType.DOUBLE, used);
            INDArray d = c.dup();
            ahead.addTo(c, 1.0);
            spent.addTo(d, 1.0);
            assertEquals(d, c);
        }
        ahead.addTo(a, 1.0);
        spent.addTo(b, 1.0);
        assertEquals(b, a);
    }

    @Test
    void drawingAheadTwiceDiscardsTheFirstDraw() {
        SecureGaussianNoise ahead = fixedKey(2);
        SecureGaussianNoise spent = fixedKey(2);
        int n = 100_000;
        ahead.drawAhead(n);
        ahead.drawAhead(n);
        spent.addTo(Nd4j.zeros(DataType.DOUBLE, 1, n), 1.0);
        INDArray a = values(DataType.DOUBLE, n);
        INDArray b = a.dup();
        ahead.addTo(a, 1.0);
        spent.addTo(b, 1.0);
        assertEquals(b, a, "the second draw holds the normals after the first's, never the same ones");
    }

    @Test
    void singleNormalsWaitForADrawAheadAndFollowIt() {
        SecureGaussianNoise ahead = fixedKey(1);
        SecureGaussianNoise spent = fixedKey(1);
        ahead.drawAhead(10_000);
        spent.addTo(Nd4j.zeros(DataType.DOUBLE, 1, 10_000), 1.0);
        assertEquals(spent.nextStandardNormal(), ahead.nextStandardNormal(), 0.0);
    }

    @Test
    void seededNoiseIgnoresTheHint() {
        GaussianNoise a = GaussianNoise.createSeeded(5);
        GaussianNoise b = GaussianNoise.createSeeded(5);
        INDArray x = Nd4j.zeros(DataType.DOUBLE, 1, 1000);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 1, 1000);
        a.drawAhead(1000);
        a.addTo(x, 1.0);
        b.addTo(y, 1.0);
        assertEquals(y, x);
    }
}
