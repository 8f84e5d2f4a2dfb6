package org.dpdl4j.dl4j.scattering;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.dpdl4j.dl4j.features.FeatureExtractor;
import org.dpdl4j.dl4j.features.FrozenFeatureMap;
import org.dpdl4j.dl4j.postprocess.PrivacyCost;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The 2-D Morlet wavelet scattering transform (Bruna &amp; Mallat 2013) of single-channel images, up to order
 * 2, as a fixed feature extractor: the "ScatterNet" of Tramèr &amp; Boneh (ICLR 2021) with J = 2, L = 8 on
 * 28×28 images gives 81 channels of 7×7.
 *
 * <p>With the filters of {@link MorletFilterBank} on the padded P×Q grid, ⋆ circular convolution, ↓k
 * keeping every k-th pixel in each direction, and the image x reflect-padded to P×Q:
 * <ul>
 * <li>order 0: S₀x = (x⋆φ_J)↓2^J;</li>
 * <li>order 1, for every scale j₁ &lt; J and angle θ₁: U₁ = |(x⋆ψ_{j₁,θ₁})↓2^{j₁}|,
 * S₁ = (U₁⋆φ_J)↓2^{J−j₁};</li>
 * <li>order 2, for every j₁ &lt; j₂ &lt; J and angles θ₁, θ₂: U₂ = |(U₁⋆ψ_{j₂,θ₂})↓2^{j₂−j₁}|,
 * S₂ = (U₂⋆φ_J)↓2^{J−j₂};</li>
 * </ul>
 * where each convolution at a coarser resolution uses the filter's low-frequency DFT crop (as in
 * Kymatio), every S is cropped by one pixel on each side (the padding), and the real part is kept. All
 * convolutions are computed with DFTs ({@code Fft}, a mixed-radix transform, since the grids are not
 * powers of two).
 *
 * <p>Output layout: each image gives one row of {@link ScatteringConfig#outputDimension()} values,
 * channel-major [channel, row, column]; channels are ordered S₀, then S₁ by (j₁, θ₁), then S₂ by (j₁, θ₁)
 * and within that (j₂, θ₂), j before θ, the order of Kymatio's {@code Scattering2D}. That makes
 * {@link org.dpdl4j.dl4j.postprocess.GroupNormalize} with 27 groups over 81 channels group the same
 * channels as Tramèr &amp; Boneh's GroupNorm.
 *
 * <p>Inputs: [n, H·W] (row-major pixels, e.g. {@code FashionMnist.features()}), [n, H, W] or
 * [n, 1, H, W]; any numeric type. Images are processed independently on
 * {@link ScatteringConfig#threads()} threads; the result does not depend on the thread count.
 *
 * <p>Privacy assumption: none is needed, and its privacy cost is zero. The transform is data-independent:
 * its filters are fixed functions of (J, L, image size), nothing is learned or fitted, so it needs neither
 * public data nor budget; and it is a per-example map (an image's features depend on that image alone),
 * so the per-example sensitivity of a head trained on its output is unchanged. {@link #cost()} states
 * this as {@link PrivacyCost.Kind#DATA_INDEPENDENT}.
 */
public final class ScatteringTransform implements FrozenFeatureMap {

    /** Version of the numerical definition; part of the cache fingerprint. */
    static final String VERSION = "1";

    private final ScatteringConfig config;
    private final MorletFilterBank bank;
    private final Fft2[] fft;
    /** φ̂ cropped to resolution r, r ∈ [0, J). */
    private final double[][] phiAt;
    /** ψ̂_{j,l} cropped to resolution r ≤ j: [j][r][l]. */
    private final double[][][] psiAt;
    private final int[][] secondOrderPaths;

    private ScatteringTransform(ScatteringConfig config) {
        this.config = config;
        int pr = config.paddedHeight();
        int pc = config.paddedWidth();
        int scales = config.scales();
        int angles = config.angles();
        bank = MorletFilterBank.create(pr, pc, scales, angles);
        fft = new Fft2[scales + 1];
        for (int r = 0; r <= scales; r++) {
            fft[r] = new Fft2(pr >> r, pc >> r);
        }
        phiAt = new double[scales][];
        for (int r = 0; r < scales; r++) {
            phiAt[r] = MorletFilterBank.crop(bank.phiShared(), pr, pc, r);
        }
        psiAt = new double[scales][][];
        for (int j = 0; j < scales; j++) {
            psiAt[j] = new double[j + 1][];
            for (int r = 0; r <= j; r++) {
                psiAt[j][r] = new double[angles * (pr >> r) * (pc >> r)];
                int size = (pr >> r) * (pc >> r);
                for (int l = 0; l < angles; l++) {
                    System.arraycopy(MorletFilterBank.crop(bank.psiShared(j, l), pr, pc, r), 0, psiAt[j][r], l * size,
                            size);
                }
            }
        }
        List<int[]> paths = new ArrayList<>();
        if (config.maxOrder() >= 2) {
            for (int j1 = 0; j1 < scales; j1++) {
                for (int l1 = 0; l1 < angles; l1++) {
                    for (int j2 = j1 + 1; j2 < scales; j2++) {
                        for (int l2 = 0; l2 < angles; l2++) {
                            paths.add(new int[] {j1, l1, j2, l2});
                        }
                    }
                }
            }
        }
        secondOrderPaths = paths.toArray(new int[0][]);
    }

    /** The transform for a configuration (builds the filter bank once; the object is immutable and thread-safe). */
    public static ScatteringTransform create(ScatteringConfig config) {
        return new ScatteringTransform(Objects.requireNonNull(config, "config"));
    }

    public ScatteringConfig config() {
        return config;
    }

    /** The filter bank on the padded grid. */
    public MorletFilterBank filterBank() {
        return bank;
    }

    /** Number of channels (81 for J = 2, L = 8, order 2). */
    public int channels() {
        return config.channels();
    }

    /** Features per image, channels · outputHeight · outputWidth. */
    public int outputDimension() {
        return config.outputDimension();
    }

    /** A {@link FeatureExtractor} running this transform (batched, with progress and on-disk caching). */
    public FeatureExtractor extractor() {
        return FeatureExtractor.of(this);
    }

    @Override
    public String description() {
        return String.format(Locale.ROOT, "Morlet scattering J=%d L=%d order %d on %dx%d (%d channels of %dx%d)",
                config.scales(), config.angles(), config.maxOrder(), config.height(), config.width(), channels(),
                config.outputHeight(), config.outputWidth());
    }

    @Override
    public String fingerprint() {
        return "scattering2d-morlet-v" + VERSION + "-" + config.key();
    }

    @Override
    public PrivacyCost cost() {
        return PrivacyCost.dataIndependent("fixed Morlet wavelet scattering (filters depend only on J, L and the image "
                + "size; per-example map)");
    }

    /**
     * Scattering coefficients of one image.
     *
     * @param image height·width pixels, row-major
     * @return outputDimension() values, channel-major
     * @throws IllegalArgumentException for a wrong length or a non-finite pixel
     */
    public double[] transform(double[] image) {
        if (image.length != config.height() * config.width()) {
            throw new IllegalArgumentException("image must have " + config.height() + "x" + config.width() + " = "
                    + config.height() * config.width() + " pixels, got " + image.length);
        }
        double[] out = new double[outputDimension()];
        new Workspace().run(image, 0, out, 0, -1);
        return out;
    }

    /**
     * Scattering coefficients of a batch: [n, channels·outputHeight·outputWidth], channel-major per row.
     * DOUBLE input gives DOUBLE output, anything else FLOAT.
     *
     * @param images [n, H·W], [n, H, W] or [n, 1, H, W]
     * @throws IllegalArgumentException for another shape or a non-finite pixel (naming the row)
     */
    @Override
    public INDArray apply(INDArray images) {
        Objects.requireNonNull(images, "images");
        long[] shape = images.shape();
        int h = config.height();
        int w = config.width();
        boolean ok = switch (images.rank()) {
            case 2 -> shape[1] == (long) h * w;
            case 3 -> shape[1] == h && shape[2] == w;
            case 4 -> shape[1] == 1 && shape[2] == h && shape[3] == w;
            default -> false;
        };
        if (!ok) {
            throw new IllegalArgumentException("scattering on " + h + "x" + w + " images takes [n, " + h * w + "], [n, "
                    + h + ", " + w + "] or [n, 1, " + h + ", " + w + "], got " + Arrays.toString(shape));
        }
        int n = (int) shape[0];
        DataType outType = images.dataType() == DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
        int d = outputDimension();
        if (n == 0) {
            return Nd4j.create(outType, 0, d);
        }
        double[] pixels = images.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] out = new double[Math.multiplyExact(n, d)];
        int threads = Math.max(1, Math.min(config.threads(), n));
        if (threads == 1) {
            Workspace ws = new Workspace();
            for (int i = 0; i < n; i++) {
                ws.run(pixels, i * h * w, out, (long) i * d, i);
            }
        } else {
            runParallel(pixels, out, n, threads);
        }
        INDArray result = Nd4j.createFromArray(out).reshape('c', n, d);
        return outType == DataType.DOUBLE ? result : result.castTo(outType);
    }

    private void runParallel(double[] pixels, double[] out, int n, int threads) {
        int hw = config.height() * config.width();
        int d = outputDimension();
        Thread[] workers = new Thread[threads];
        RuntimeException[] failure = new RuntimeException[threads];
        for (int t = 0; t < threads; t++) {
            int from = (int) ((long) n * t / threads);
            int to = (int) ((long) n * (t + 1) / threads);
            int slot = t;
            workers[t] = new Thread(() -> {
                try {
                    Workspace ws = new Workspace();
                    for (int i = from; i < to; i++) {
                        ws.run(pixels, i * hw, out, (long) i * d, i);
                    }
                } catch (RuntimeException e) {
                    failure[slot] = e;
                }
            }, "scattering-" + t);
            workers[t].setDaemon(true);
            workers[t].start();
        }
        for (Thread worker : workers) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while computing scattering coefficients", e);
            }
        }
        for (RuntimeException e : failure) {
            if (e != null) {
                throw e;
            }
        }
    }

    /** Per-thread buffers, sized for the full padded grid. */
    private final class Workspace {
        private final double[] xr;
        private final double[] xi;
        private final double[] ur;
        private final double[] ui;
        private final double[] ar;
        private final double[] ai;
        private final double[] br;
        private final double[] bi;
        private final double[] s1;
        private final double[] s2;
        private final double[] t1;
        private final double[] t2;

        Workspace() {
            int size = config.paddedHeight() * config.paddedWidth();
            xr = new double[size];
            xi = new double[size];
            ur = new double[size];
            ui = new double[size];
            ar = new double[size];
            ai = new double[size];
            br = new double[size];
            bi = new double[size];
            s1 = new double[size];
            s2 = new double[size];
            t1 = new double[size];
            t2 = new double[size];
        }

        /** Scattering of the image at pixels[from..] into out[at..]; {@code row} names the image in errors. */
        void run(double[] pixels, int from, double[] out, long at, int row) {
            int scales = config.scales();
            int angles = config.angles();
            int pr = config.paddedHeight();
            int pc = config.paddedWidth();
            int plane = config.outputHeight() * config.outputWidth();
            pad(pixels, from, row);
            Arrays.fill(xi, 0.0);
            fft[0].forward(xr, xi, s1, s2, t1, t2);
            // Order 0.
            lowPass(xr, xi, 0, out, at);
            int channel2 = 1 + scales * angles;
            for (int j1 = 0; j1 < scales; j1++) {
                int r1 = pr >> j1;
                int c1 = pc >> j1;
                for (int l1 = 0; l1 < angles; l1++) {
                    // U1 = |x ⋆ ψ_{j1,l1}| at resolution j1, kept in the Fourier domain in (ur, ui).
                    multiplySubsample(xr, xi, bank.psiShared(j1, l1), 0, pr, pc, 1 << j1, ur, ui);
                    fft[j1].inverse(ur, ui, s1, s2, t1, t2);
                    modulus(ur, ui, r1 * c1);
                    fft[j1].forward(ur, ui, s1, s2, t1, t2);
                    lowPass(ur, ui, j1, out, at + (long) (1 + j1 * angles + l1) * plane);
                    for (int j2 = j1 + 1; j2 < scales && config.maxOrder() >= 2; j2++) {
                        int r2 = pr >> j2;
                        int c2 = pc >> j2;
                        int size1 = r1 * c1;
                        for (int l2 = 0; l2 < angles; l2++) {
                            multiplySubsample(ur, ui, psiAt[j2][j1], l2 * size1, r1, c1, 1 << (j2 - j1), ar, ai);
                            fft[j2].inverse(ar, ai, s1, s2, t1, t2);
                            modulus(ar, ai, r2 * c2);
                            fft[j2].forward(ar, ai, s1, s2, t1, t2);
                            lowPass(ar, ai, j2, out, at + (long) channel2 * plane);
                            channel2++;
                        }
                    }
                }
            }
        }

        /** Reflect-pads the image into xr, refusing non-finite pixels. */
        private void pad(double[] pixels, int from, int row) {
            int h = config.height();
            int w = config.width();
            int pr = config.paddedHeight();
            int pc = config.paddedWidth();
            int top = config.padTop();
            int left = config.padLeft();
            for (int a = 0; a < pr; a++) {
                int src = from + reflect(a - top, h) * w;
                for (int b = 0; b < pc; b++) {
                    double v = pixels[src + reflect(b - left, w)];
                    if (!Double.isFinite(v)) {
                        throw new IllegalArgumentException("image " + (row < 0 ? "" : "at row " + row + " ")
                                + "has a non-finite pixel; scattering needs finite inputs");
                    }
                    xr[a * pc + b] = v;
                }
            }
        }

        /**
         * S = real(ifft((spectrum at resolution r) · φ̂_r, subsampled to resolution J)), cropped by one pixel
         * per side, written channel-major at out[at..].
         */
        private void lowPass(double[] sr, double[] si, int r, double[] out, long at) {
            int scales = config.scales();
            int rr = config.paddedHeight() >> r;
            int cr = config.paddedWidth() >> r;
            multiplySubsample(sr, si, phiAt[r], 0, rr, cr, 1 << (scales - r), br, bi);
            fft[scales].inverse(br, bi, s1, s2, t1, t2);
            int rj = config.paddedHeight() >> scales;
            int cj = config.paddedWidth() >> scales;
            int oh = config.outputHeight();
            int ow = config.outputWidth();
            for (int a = 0; a < oh; a++) {
                System.arraycopy(br, (a + 1) * cj + 1, out, (int) (at + (long) a * ow), ow);
            }
            assert rj == oh + 2;
        }
    }

    /**
     * dst = (src · filter[fOff..]) subsampled by k in space, i.e. the spectrum averaged over the k×k
     * aliases: dst[a, b] = (1/k²)·Σ_{i,j&lt;k} (src·f)[a + i·R/k, b + j·C/k], dst of size R/k × C/k.
     */
    static void multiplySubsample(double[] sr, double[] si, double[] filter, int fOff, int rows, int cols, int k,
                                  double[] dr, double[] di) {
        int r2 = rows / k;
        int c2 = cols / k;
        if (k == 1) {
            int n = rows * cols;
            for (int p = 0; p < n; p++) {
                double f = filter[fOff + p];
                dr[p] = sr[p] * f;
                di[p] = si[p] * f;
            }
            return;
        }
        Arrays.fill(dr, 0, r2 * c2, 0.0);
        Arrays.fill(di, 0, r2 * c2, 0.0);
        for (int i = 0; i < k; i++) {
            for (int a = 0; a < r2; a++) {
                int srcRow = (a + i * r2) * cols;
                int dstRow = a * c2;
                for (int j = 0; j < k; j++) {
                    int base = srcRow + j * c2;
                    for (int b = 0; b < c2; b++) {
                        double f = filter[fOff + base + b];
                        dr[dstRow + b] += sr[base + b] * f;
                        di[dstRow + b] += si[base + b] * f;
                    }
                }
            }
        }
        double inv = 1.0 / ((double) k * k);
        for (int p = 0; p < r2 * c2; p++) {
            dr[p] *= inv;
            di[p] *= inv;
        }
    }

    /** re = |re + i·im|, im = 0, on the first n values. */
    static void modulus(double[] re, double[] im, int n) {
        for (int p = 0; p < n; p++) {
            re[p] = Math.sqrt(re[p] * re[p] + im[p] * im[p]);
            im[p] = 0.0;
        }
    }

    /** Index of position i after mirroring at both edges of [0, n) without repeating the edge pixel. */
    static int reflect(int i, int n) {
        if (n == 1) {
            return 0;
        }
        int period = 2 * (n - 1);
        int m = Math.floorMod(i, period);
        return m < n ? m : period - m;
    }

    @Override
    public String toString() {
        return "ScatteringTransform[" + description() + "]";
    }
}
