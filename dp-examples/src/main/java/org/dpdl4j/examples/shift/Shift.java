package org.dpdl4j.examples.shift;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Collectors;
import org.dpdl4j.examples.data.FashionMnist;

/**
 * Deterministic distribution shifts of Fashion-MNIST, in the spirit of MNIST-C (Mu &amp; Gilmer, 2019) and
 * CIFAR-10-C (Hendrycks &amp; Dietterich, 2019), built in Java from the clean images, and one label shift.
 * Each is a fixed map: the same input set gives the same shifted set on every JVM (per-image noise comes
 * from {@link java.util.Random}, whose sequence the JDK specifies, seeded by the image's index and the
 * set's seed).
 *
 * <ul>
 *   <li>{@link #NOISE}: additive Gaussian noise, std 0.4, clipped to [0, 1] (input-level).</li>
 *   <li>{@link #BLUR}: Gaussian blur, σ = 1.5 pixels, kernel radius 4, edges replicated (input-level).</li>
 *   <li>{@link #CONTRAST}: contrast reduced to 30% around each image's mean (input-level).</li>
 *   <li>{@link #INVERT}: x ↦ 1 − x, white background (input-level).</li>
 *   <li>{@link #LABEL}: every label y becomes (y + 1) mod 10, images unchanged (output-level, as the
 *       label-flip tasks of the surgical fine-tuning paper).</li>
 * </ul>
 *
 * <p>Privacy assumption: the shifts are fixed maps chosen without the private data; the shifted target
 * training set is as private as the images it came from.
 */
public enum Shift {
    NOISE("input"), BLUR("input"), CONTRAST("input"), INVERT("input"), LABEL("output");

    static final double NOISE_STD = 0.4;
    static final double BLUR_SIGMA = 1.5;
    static final int BLUR_RADIUS = 4;
    static final double CONTRAST_FACTOR = 0.3;

    private final String level;

    Shift(String level) {
        this.level = level;
    }

    /** "input" or "output": which level of the model the shift acts on. */
    public String level() {
        return level;
    }

    /** Lower-case name used on the command line. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a command-line name, saying which names exist. */
    public static Shift parse(String s) {
        for (Shift v : values()) {
            if (v.id().equalsIgnoreCase(s.trim())) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown shift '" + s + "'; use one of "
                + Arrays.stream(values()).map(Shift::id).collect(Collectors.joining(", ")));
    }

    /** The shifted copy of {@code data}; {@code seed} only matters for {@link #NOISE}. */
    public FashionMnist apply(FashionMnist data, long seed) {
        return switch (this) {
            case NOISE -> data.transformed("noise", (p, i) -> gaussianNoise(p, new Random(seed * 1_000_003L + i)));
            case BLUR -> data.transformed("blur", (p, i) -> blur(p));
            case CONTRAST -> data.transformed("contrast", (p, i) -> contrast(p));
            case INVERT -> data.transformed("invert", (p, i) -> invert(p));
            case LABEL -> data.relabeled("label+1", y -> (y + 1) % FashionMnist.CLASSES);
        };
    }

    static void gaussianNoise(float[] p, Random rng) {
        for (int k = 0; k < p.length; k++) {
            p[k] = clamp(p[k] + NOISE_STD * rng.nextGaussian());
        }
    }

    static void contrast(float[] p) {
        double mean = 0;
        for (float v : p) {
            mean += v;
        }
        mean /= p.length;
        for (int k = 0; k < p.length; k++) {
            p[k] = clamp(mean + CONTRAST_FACTOR * (p[k] - mean));
        }
    }

    static void invert(float[] p) {
        for (int k = 0; k < p.length; k++) {
            p[k] = 1f - p[k];
        }
    }

    static void blur(float[] p) {
        int side = FashionMnist.SIDE;
        double[] kernel = new double[2 * BLUR_RADIUS + 1];
        double sum = 0;
        for (int k = -BLUR_RADIUS; k <= BLUR_RADIUS; k++) {
            kernel[k + BLUR_RADIUS] = Math.exp(-k * k / (2 * BLUR_SIGMA * BLUR_SIGMA));
            sum += kernel[k + BLUR_RADIUS];
        }
        for (int k = 0; k < kernel.length; k++) {
            kernel[k] /= sum;
        }
        double[] tmp = new double[p.length];
        for (int r = 0; r < side; r++) {
            for (int c = 0; c < side; c++) {
                double acc = 0;
                for (int k = -BLUR_RADIUS; k <= BLUR_RADIUS; k++) {
                    int cc = Math.min(side - 1, Math.max(0, c + k));
                    acc += kernel[k + BLUR_RADIUS] * p[r * side + cc];
                }
                tmp[r * side + c] = acc;
            }
        }
        for (int r = 0; r < side; r++) {
            for (int c = 0; c < side; c++) {
                double acc = 0;
                for (int k = -BLUR_RADIUS; k <= BLUR_RADIUS; k++) {
                    int rr = Math.min(side - 1, Math.max(0, r + k));
                    acc += kernel[k + BLUR_RADIUS] * tmp[rr * side + c];
                }
                p[r * side + c] = clamp(acc);
            }
        }
    }

    private static float clamp(double v) {
        return (float) Math.min(1.0, Math.max(0.0, v));
    }
}
