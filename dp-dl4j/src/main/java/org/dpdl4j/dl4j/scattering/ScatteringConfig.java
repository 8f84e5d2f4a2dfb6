package org.dpdl4j.dl4j.scattering;

import java.util.Locale;

/**
 * Immutable settings of a 2-D wavelet scattering transform, built with a validating builder: the input
 * image size, the number of scales J, of angles L, the maximum order (1 or 2) and the number of worker
 * threads. Derived sizes follow the usual conventions: the image is reflect-padded to
 * P = (⌊(n + 2^J)/2^J⌋ + 1)·2^J pixels per side, the output has P/2^J − 2 pixels per side, and
 * 1 + J·L + L²·J(J−1)/2 channels at order 2 (1 + J·L at order 1).
 *
 * <p>For 28×28 images, J = 2, L = 8, order 2: 36×36 padded, 81 channels of 7×7 = 3,969 features, the
 * ScatterNet of Tramèr &amp; Boneh (ICLR 2021); see {@link #tramerBoneh(int, int)}.
 *
 * <p>Privacy assumption: none of these values may be chosen by looking at the private data (they are
 * hyperparameters; the published ones cost nothing).
 */
public final class ScatteringConfig {

    /** Largest supported J: the filters at 2^J pixels would not fit a sensible image beyond this. */
    public static final int MAX_SCALES = 8;
    /** Largest supported L. */
    public static final int MAX_ANGLES = 64;

    private final int height;
    private final int width;
    private final int scales;
    private final int angles;
    private final int maxOrder;
    private final int threads;

    private ScatteringConfig(Builder b) {
        height = b.height;
        width = b.width;
        scales = b.scales;
        angles = b.angles;
        maxOrder = b.maxOrder;
        threads = b.threads > 0 ? b.threads : Runtime.getRuntime().availableProcessors();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** J = 2, L = 8, order 2 on {@code height × width} images: the ScatterNet of Tramèr &amp; Boneh. */
    public static ScatteringConfig tramerBoneh(int height, int width) {
        return builder().imageSize(height, width).scales(2).angles(8).maxOrder(2).build();
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** J: the averaging scale is 2^J pixels and the output is subsampled by 2^J. */
    public int scales() {
        return scales;
    }

    /** L: number of wavelet orientations in [0, π). */
    public int angles() {
        return angles;
    }

    /** 1 or 2. */
    public int maxOrder() {
        return maxOrder;
    }

    /** Worker threads used for a batch (images are independent; results do not depend on this). */
    public int threads() {
        return threads;
    }

    /** Padded height P. */
    public int paddedHeight() {
        return padded(height, scales);
    }

    public int paddedWidth() {
        return padded(width, scales);
    }

    /** Padding above the image (the rest goes below). */
    public int padTop() {
        return (paddedHeight() - height) / 2;
    }

    public int padLeft() {
        return (paddedWidth() - width) / 2;
    }

    public int outputHeight() {
        return paddedHeight() / (1 << scales) - 2;
    }

    public int outputWidth() {
        return paddedWidth() / (1 << scales) - 2;
    }

    /** Number of scattering channels (paths). */
    public int channels() {
        return channels(scales, angles, maxOrder);
    }

    /** channels · outputHeight · outputWidth. */
    public int outputDimension() {
        return channels() * outputHeight() * outputWidth();
    }

    /** The same configuration with another thread count. */
    public ScatteringConfig withThreads(int threads) {
        return new Builder().imageSize(height, width).scales(scales).angles(angles).maxOrder(maxOrder).threads(threads)
                .build();
    }

    static int padded(int n, int scales) {
        int f = 1 << scales;
        return ((n + f) / f + 1) * f;
    }

    static int channels(int scales, int angles, int maxOrder) {
        int c = 1 + scales * angles;
        if (maxOrder >= 2) {
            c += angles * angles * scales * (scales - 1) / 2;
        }
        return c;
    }

    /** Identifies every value that changes the output (not the thread count). */
    String key() {
        return String.format(Locale.ROOT, "%dx%d-J%d-L%d-order%d", height, width, scales, angles, maxOrder);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ScatteringConfig[%dx%d, J=%d, L=%d, order %d -> %d channels of %dx%d, %d threads]",
                height, width, scales, angles, maxOrder, channels(), outputHeight(), outputWidth(), threads);
    }

    /** Validating builder; {@link #build()} reports the first problem in words. */
    public static final class Builder {
        private int height = -1;
        private int width = -1;
        private int scales = 2;
        private int angles = 8;
        private int maxOrder = 2;
        private int threads;

        private Builder() {
        }

        /** Input image size in pixels (required). */
        public Builder imageSize(int height, int width) {
            this.height = height;
            this.width = width;
            return this;
        }

        /** J (default 2). */
        public Builder scales(int scales) {
            this.scales = scales;
            return this;
        }

        /** L (default 8). */
        public Builder angles(int angles) {
            this.angles = angles;
            return this;
        }

        /** 1 or 2 (default 2). */
        public Builder maxOrder(int maxOrder) {
            this.maxOrder = maxOrder;
            return this;
        }

        /** Worker threads for a batch; 0 (default) = available processors. */
        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        public ScatteringConfig build() {
            if (height < 1 || width < 1) {
                throw new IllegalArgumentException("image size must be set to at least 1x1, got " + height + "x" + width);
            }
            if (scales < 1 || scales > MAX_SCALES) {
                throw new IllegalArgumentException("J must lie in [1, " + MAX_SCALES + "], got " + scales);
            }
            if (angles < 1 || angles > MAX_ANGLES) {
                throw new IllegalArgumentException("L must lie in [1, " + MAX_ANGLES + "], got " + angles);
            }
            if (maxOrder != 1 && maxOrder != 2) {
                throw new IllegalArgumentException("max order must be 1 or 2, got " + maxOrder);
            }
            if (threads < 0) {
                throw new IllegalArgumentException("threads must be >= 0 (0 = available processors), got " + threads);
            }
            int f = 1 << scales;
            for (int side : new int[] {height, width}) {
                int pad = padded(side, scales) - side;
                // Reflect padding mirrors the image once: each side's padding must be shorter than the image.
                if ((pad + 1) / 2 > side - 1) {
                    throw new IllegalArgumentException(String.format(Locale.ROOT, "image side %d is too small for J=%d: "
                            + "it is reflect-padded by %d pixels per side, which needs at least %d pixels; use a smaller J",
                            side, scales, (pad + 1) / 2, (pad + 1) / 2 + 1));
                }
            }
            if (padded(height, scales) / f - 2 < 1 || padded(width, scales) / f - 2 < 1) {
                throw new IllegalArgumentException("image " + height + "x" + width + " gives no output pixel at J=" + scales);
            }
            return new ScatteringConfig(this);
        }
    }
}
