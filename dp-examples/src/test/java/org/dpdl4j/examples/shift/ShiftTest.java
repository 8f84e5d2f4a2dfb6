package org.dpdl4j.examples.shift;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.dpdl4j.examples.data.FashionMnist;
import org.dpdl4j.examples.data.RealData;
import org.junit.jupiter.api.Test;

/** The shifts are deterministic maps with the stated effect; checked on synthetic images and (if installed) real ones. */
class ShiftTest {

    private static float[] image(long seed) {
        Random r = new Random(seed);
        float[] p = new float[FashionMnist.PIXELS];
        for (int i = 0; i < p.length; i++) {
            p[i] = r.nextFloat();
        }
        return p;
    }

    @Test
    void noiseIsSeededClippedAndHasTheStatedStd() {
        float[] a = new float[FashionMnist.PIXELS];
        Arrays.fill(a, 0.5f);
        float[] b = a.clone();
        Shift.gaussianNoise(a, new Random(3));
        Shift.gaussianNoise(b, new Random(3));
        assertArrayEquals(a, b, "same seed, same noise");
        double sum = 0;
        double sumSq = 0;
        for (float v : a) {
            assertTrue(v >= 0 && v <= 1);
            sum += v - 0.5;
            sumSq += (v - 0.5) * (v - 0.5);
        }
        // Clipping at 0 and 1 (1.25 std from 0.5) shrinks the std of N(0, 0.4²) to about 0.33.
        double std = Math.sqrt(sumSq / a.length - Math.pow(sum / a.length, 2));
        assertTrue(std > 0.28 && std < 0.38, "std " + std);
    }

    @Test
    void blurKeepsConstantImagesAndSmoothsEdges() {
        float[] flat = new float[FashionMnist.PIXELS];
        Arrays.fill(flat, 0.7f);
        float[] copy = flat.clone();
        Shift.blur(copy);
        for (float v : copy) {
            assertEquals(0.7f, v, 1e-6f);
        }
        float[] edge = new float[FashionMnist.PIXELS];
        for (int r = 0; r < 28; r++) {
            for (int c = 14; c < 28; c++) {
                edge[r * 28 + c] = 1f;
            }
        }
        Shift.blur(edge);
        assertTrue(edge[10 * 28 + 13] > 0.2 && edge[10 * 28 + 13] < 0.5, "left of the edge " + edge[10 * 28 + 13]);
        assertTrue(edge[10 * 28 + 14] > 0.5 && edge[10 * 28 + 14] < 0.8, "right of the edge " + edge[10 * 28 + 14]);
        assertEquals(0f, edge[10 * 28], 1e-3f);
    }

    @Test
    void contrastKeepsTheMeanAndShrinksDeviationsInversionIsAnInvolution() {
        float[] p = image(1);
        float[] q = p.clone();
        Shift.contrast(q);
        double mp = 0;
        double mq = 0;
        for (int i = 0; i < p.length; i++) {
            mp += p[i];
            mq += q[i];
        }
        assertEquals(mp / p.length, mq / p.length, 1e-5);
        int k = 17;
        assertEquals(Shift.CONTRAST_FACTOR * (p[k] - mp / p.length), q[k] - mq / p.length, 1e-5);
        float[] r = p.clone();
        Shift.invert(r);
        assertEquals(1 - p[5], r[5], 0f);
        Shift.invert(r);
        assertArrayEquals(p, r, 1e-7f);
    }

    @Test
    void parsesNamesAndExplainsUnknownOnes() {
        assertEquals(Shift.BLUR, Shift.parse(" Blur "));
        assertEquals(ShiftStrategy.LP_FT, ShiftStrategy.parse("lp-ft"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Shift.parse("fog"));
        assertTrue(e.getMessage().contains("noise, blur, contrast, invert, label"), e.getMessage());
        assertEquals("output", Shift.LABEL.level());
    }

    @Test
    void shiftedRealSetsAreReproducibleAndLabelShiftMovesEveryLabel() {
        FashionMnist data = RealData.test().subset(200, 4);
        for (Shift s : Shift.values()) {
            FashionMnist a = s.apply(data, 9);
            FashionMnist b = s.apply(data, 9);
            assertEquals(a.features(), b.features(), s + " is deterministic");
            assertArrayEquals(a.labels(), b.labels());
            if (s == Shift.LABEL) {
                assertEquals(data.features(), a.features());
                for (int i = 0; i < data.size(); i++) {
                    assertEquals((data.label(i) + 1) % 10, a.label(i));
                }
            } else {
                assertArrayEquals(data.labels(), a.labels());
                assertFalse(data.features().equals(a.features()), s + " changes the images");
            }
        }
    }
}
