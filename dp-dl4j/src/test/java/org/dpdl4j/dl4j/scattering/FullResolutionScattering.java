package org.dpdl4j.dl4j.scattering;

/**
 * Test reference: the order-2 scattering of an image on the periodic grid of the filter bank, without
 * padding and without subsampling, written from the definition with plain DFT convolutions. This is the
 * operator for which the Littlewood–Paley bounds give exact energy inequalities.
 */
final class FullResolutionScattering {

    /** Coefficients S (S0, S1, S2 with j2 &gt; j1) and the order-1 and order-2 modulus energies. */
    record Result(double[] s, double u1Energy, double u2AllEnergy) {
    }

    private final MorletFilterBank bank;
    private final Fft2 fft;
    private final int n;

    FullResolutionScattering(MorletFilterBank bank) {
        this.bank = bank;
        this.fft = new Fft2(bank.rows(), bank.cols());
        this.n = bank.rows() * bank.cols();
    }

    /** x ⋆ f for a real-valued Fourier filter f: returns {re, im}. */
    double[][] convolve(double[] x, double[] filterHat) {
        double[] re = x.clone();
        double[] im = new double[n];
        double[][] s = new double[4][n];
        fft.forward(re, im, s[0], s[1], s[2], s[3]);
        for (int p = 0; p < n; p++) {
            re[p] *= filterHat[p];
            im[p] *= filterHat[p];
        }
        fft.inverse(re, im, s[0], s[1], s[2], s[3]);
        return new double[][] {re, im};
    }

    double[] modulus(double[][] z) {
        double[] m = new double[n];
        for (int p = 0; p < n; p++) {
            m[p] = Math.hypot(z[0][p], z[1][p]);
        }
        return m;
    }

    /**
     * @param x an image on the full grid (rows·cols values)
     * @return S0, S1, S2 concatenated, with Σ‖U1‖² and Σ over ALL (λ1, λ2) of ‖U1⋆ψλ2‖²
     */
    Result apply(double[] x) {
        int scales = bank.scales();
        int angles = bank.angles();
        int channels = ScatteringConfig.channels(scales, angles, 2);
        double[] s = new double[channels * n];
        System.arraycopy(convolve(x, bank.phiShared())[0], 0, s, 0, n);
        int c2 = 1 + scales * angles;
        double u1Energy = 0;
        double u2All = 0;
        for (int j1 = 0; j1 < scales; j1++) {
            for (int l1 = 0; l1 < angles; l1++) {
                double[] u1 = modulus(convolve(x, bank.psiShared(j1, l1)));
                u1Energy += dot(u1, u1);
                System.arraycopy(convolve(u1, bank.phiShared())[0], 0, s, (1 + j1 * angles + l1) * n, n);
                for (int j2 = 0; j2 < scales; j2++) {
                    for (int l2 = 0; l2 < angles; l2++) {
                        double[] u2 = modulus(convolve(u1, bank.psiShared(j2, l2)));
                        u2All += dot(u2, u2);
                        if (j2 > j1) {
                            System.arraycopy(convolve(u2, bank.phiShared())[0], 0, s, c2 * n, n);
                            c2++;
                        }
                    }
                }
            }
        }
        return new Result(s, u1Energy, u2All);
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
