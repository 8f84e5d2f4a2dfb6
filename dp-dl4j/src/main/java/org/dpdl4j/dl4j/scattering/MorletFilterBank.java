package org.dpdl4j.dl4j.scattering;

import java.util.Locale;

/**
 * The fixed 2-D Morlet wavelet filter bank of a scattering transform, in the Fourier domain, on a
 * periodic grid of {@code rows × cols} pixels: J·L band-pass wavelets ψ_{j,θ} and one Gaussian
 * low-pass φ_J.
 *
 * <p>Definitions (the parameterisation popularised by Kymatio's {@code Scattering2D}, so that
 * coefficients are comparable with published ScatterNet results):
 * <ul>
 * <li>Gabor function g(u) = exp(−uᵀ·Rθ·diag(1, s²)·Rθᵀ·u / (2σ²) + i·ξ·⟨u, (cos θ, sin θ)⟩) / (2πσ²/s), u =
 * (row, column) offset from the origin, periodised over the grid (sum over the periods −2..2 in each
 * axis);</li>
 * <li>Morlet wavelet ψ = g_ξ − κ·g_0 with κ chosen so that ψ sums to zero (no response to a constant);
 * scale j ∈ [0, J): σ = 0.8·2^j, ξ = (3π/4)·2^{−j}, slant s = 4/L; angle θ_l = (⌊L − L/2 − 1⌋ − l)·π/L for
 * l ∈ [0, L);</li>
 * <li>low-pass φ_J: the Gabor function with σ = 0.8·2^{J−1}, ξ = 0, s = 1 (a Gaussian);</li>
 * <li>every filter is stored as the real part of its unnormalised DFT (the imaginary part is zero up to
 * rounding because g(−u) is the conjugate of g(u)).</li>
 * </ul>
 * One deliberate difference from Kymatio: it divides by 2·3.1415·σ²/s, this class by 2π·σ²/s, so that
 * φ̂(0) = 1 (a constant image keeps its value under averaging). Kymatio's filters are therefore larger by
 * the factor π/3.1415 ≈ 1 + 2.9·10⁻⁵, and an order-m coefficient by that factor to the power m + 1.
 * A filter at resolution r (grid divided by 2^r, used after subsampling) keeps the DFT values of the
 * lowest rows/2^r × cols/2^r frequencies: indices below ⌊n_r/2⌋ and the top n_r − ⌊n_r/2⌋.
 *
 * <p>The Littlewood–Paley sum A(ω) = |φ̂(ω)|² + ½·Σ_{j,θ} (|ψ̂_{j,θ}(ω)|² + |ψ̂_{j,θ}(−ω)|²) bounds the energy
 * of one wavelet layer for real inputs: min A·‖x‖² ≤ ‖x⋆φ‖² + Σ‖x⋆ψ‖² ≤ max A·‖x‖² (Parseval).
 * {@link #littlewoodPaley()} returns it; these filters are not renormalised, so max A can exceed 1.
 *
 * <p>Privacy assumption: none needed. The filters are fixed numbers that depend only on the grid size,
 * J and L, never on data.
 */
public final class MorletFilterBank {

    private final int rows;
    private final int cols;
    private final int scales;
    private final int angles;
    private final double[][] psi;
    private final double[] phi;

    private MorletFilterBank(int rows, int cols, int scales, int angles) {
        this.rows = rows;
        this.cols = cols;
        this.scales = scales;
        this.angles = angles;
        this.psi = new double[scales * angles][];
        double slant = 4.0 / angles;
        int offset = (int) (angles - angles / 2.0 - 1);
        for (int j = 0; j < scales; j++) {
            for (int l = 0; l < angles; l++) {
                double theta = (offset - l) * Math.PI / angles;
                psi[j * angles + l] = fourierReal(morlet(rows, cols, 0.8 * Math.pow(2, j), theta,
                        0.75 * Math.PI / Math.pow(2, j), slant), rows, cols);
            }
        }
        phi = fourierReal(gabor(rows, cols, 0.8 * Math.pow(2, scales - 1), 0, 0, 1), rows, cols);
    }

    /**
     * The filter bank on a {@code rows × cols} grid with J scales and L angles.
     *
     * @throws IllegalArgumentException unless rows, cols ≥ 1, J ≥ 1 and L ≥ 1
     */
    public static MorletFilterBank create(int rows, int cols, int scales, int angles) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("grid must be at least 1x1, got " + rows + "x" + cols);
        }
        if (scales < 1 || angles < 1) {
            throw new IllegalArgumentException("need J >= 1 and L >= 1, got J=" + scales + ", L=" + angles);
        }
        return new MorletFilterBank(rows, cols, scales, angles);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** J. */
    public int scales() {
        return scales;
    }

    /** L. */
    public int angles() {
        return angles;
    }

    /** ψ̂_{j,θ_l} at full resolution, row-major [rows, cols] (a copy). */
    public double[] psi(int j, int l) {
        checkIndex(j, l);
        return psi[j * angles + l].clone();
    }

    /** φ̂_J at full resolution, row-major [rows, cols] (a copy). */
    public double[] phi() {
        return phi.clone();
    }

    /** Angle θ_l in radians. */
    public double angle(int l) {
        checkIndex(0, l);
        return ((int) (angles - angles / 2.0 - 1) - l) * Math.PI / angles;
    }

    /** The Littlewood–Paley sum A(ω) on the DFT grid, row-major [rows, cols]. */
    public double[] littlewoodPaley() {
        double[] a = new double[rows * cols];
        for (int k = 0; k < rows; k++) {
            int nk = (rows - k) % rows;
            for (int m = 0; m < cols; m++) {
                int nm = (cols - m) % cols;
                double sum = phi[k * cols + m] * phi[k * cols + m];
                for (double[] f : psi) {
                    double v = f[k * cols + m];
                    double w = f[nk * cols + nm];
                    sum += 0.5 * (v * v + w * w);
                }
                a[k * cols + m] = sum;
            }
        }
        return a;
    }

    double[] psiShared(int j, int l) {
        return psi[j * angles + l];
    }

    double[] phiShared() {
        return phi;
    }

    /**
     * The low-frequency crop of a full-resolution filter to resolution r (grid divided by 2^r).
     *
     * @throws IllegalArgumentException unless both sides are divisible by 2^r
     */
    static double[] crop(double[] full, int rows, int cols, int r) {
        int f = 1 << r;
        if (rows % f != 0 || cols % f != 0) {
            throw new IllegalArgumentException("grid " + rows + "x" + cols + " is not divisible by 2^" + r);
        }
        int rr = rows / f;
        int cr = cols / f;
        double[] out = new double[rr * cr];
        for (int a = 0; a < rr; a++) {
            int ka = a < rr / 2 ? a : a + rows - rr;
            for (int b = 0; b < cr; b++) {
                int kb = b < cr / 2 ? b : b + cols - cr;
                out[a * cr + b] = full[ka * cols + kb];
            }
        }
        return out;
    }

    private void checkIndex(int j, int l) {
        if (j < 0 || j >= scales || l < 0 || l >= angles) {
            throw new IndexOutOfBoundsException(String.format(Locale.ROOT, "(j=%d, l=%d) outside J=%d, L=%d", j, l,
                    scales, angles));
        }
    }

    /** Complex Gabor function on the periodic grid, interleaved [re, im] per pixel, row-major. */
    static double[] gabor(int rows, int cols, double sigma, double theta, double xi, double slant) {
        double c = Math.cos(theta);
        double s = Math.sin(theta);
        // Rθ·diag(1, s²)·Rθᵀ / (2σ²)
        double s2 = slant * slant;
        double a00 = (c * c + s2 * s * s) / (2 * sigma * sigma);
        double a01 = (c * s - s2 * s * c) / (2 * sigma * sigma);
        double a11 = (s * s + s2 * c * c) / (2 * sigma * sigma);
        double norm = 2 * Math.PI * sigma * sigma / slant;
        double[] g = new double[2 * rows * cols];
        for (int x = 0; x < rows; x++) {
            for (int y = 0; y < cols; y++) {
                double re = 0;
                double im = 0;
                for (int ex = -2; ex <= 2; ex++) {
                    double u = x + (double) ex * rows;
                    for (int ey = -2; ey <= 2; ey++) {
                        double v = y + (double) ey * cols;
                        double mag = Math.exp(-(a00 * u * u + 2 * a01 * u * v + a11 * v * v));
                        double ph = xi * (u * c + v * s);
                        re += mag * Math.cos(ph);
                        im += mag * Math.sin(ph);
                    }
                }
                g[2 * (x * cols + y)] = re / norm;
                g[2 * (x * cols + y) + 1] = im / norm;
            }
        }
        return g;
    }

    /** Morlet wavelet: the Gabor function minus the envelope scaled to make the total zero. */
    static double[] morlet(int rows, int cols, double sigma, double theta, double xi, double slant) {
        double[] wave = gabor(rows, cols, sigma, theta, xi, slant);
        double[] env = gabor(rows, cols, sigma, theta, 0, slant);
        double wr = 0;
        double wi = 0;
        double er = 0;
        double ei = 0;
        for (int p = 0; p < rows * cols; p++) {
            wr += wave[2 * p];
            wi += wave[2 * p + 1];
            er += env[2 * p];
            ei += env[2 * p + 1];
        }
        // κ = Σwave / Σenv (complex division)
        double den = er * er + ei * ei;
        double kr = (wr * er + wi * ei) / den;
        double ki = (wi * er - wr * ei) / den;
        for (int p = 0; p < rows * cols; p++) {
            double vr = env[2 * p];
            double vi = env[2 * p + 1];
            wave[2 * p] -= kr * vr - ki * vi;
            wave[2 * p + 1] -= kr * vi + ki * vr;
        }
        return wave;
    }

    /** Real part of the unnormalised 2-D DFT of an interleaved complex image. */
    static double[] fourierReal(double[] interleaved, int rows, int cols) {
        double[] re = new double[rows * cols];
        double[] im = new double[rows * cols];
        for (int p = 0; p < rows * cols; p++) {
            re[p] = interleaved[2 * p];
            im[p] = interleaved[2 * p + 1];
        }
        Fft2 f = new Fft2(rows, cols);
        f.forward(re, im, new double[rows * cols], new double[rows * cols], new double[rows * cols],
                new double[rows * cols]);
        return re;
    }
}
