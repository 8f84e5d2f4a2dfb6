package org.dpdl4j.accountant.rdp;

import org.apache.commons.math3.analysis.integration.gauss.GaussIntegrator;
import org.apache.commons.math3.analysis.integration.gauss.GaussIntegratorFactory;

/**
 * Independent reference for the Poisson-subsampled Gaussian: A_α − 1 by numerical integration of its
 * definition, ∫ φ_σ(z) [(1+u)^α − 1 − αu] dz with u = q(e^{(2z−1)/2σ²} − 1). The −1 − αu part
 * integrates to exactly 0 (E[u] = 0 under N(0,σ²)) and makes the integrand non-negative, so there
 * is no cancellation and the result has full relative precision even when A_α − 1 ≈ 1e-9.
 */
final class RdpQuadrature {

    private static final GaussIntegratorFactory FACTORY = new GaussIntegratorFactory();

    private RdpQuadrature() {
    }

    static double aMinusOne(double q, double sigma, double alpha) {
        double lo = -40 * sigma - 1;
        double hi = alpha + 40 * sigma + 1;
        double width = Math.min(0.25, sigma / 8);
        int panels = (int) Math.ceil((hi - lo) / width);
        double h = (hi - lo) / panels;
        double sum = 0;
        for (int p = 0; p < panels; p++) {
            GaussIntegrator gi = FACTORY.legendre(24, lo + p * h, lo + (p + 1) * h);
            sum += gi.integrate(z -> integrand(z, q, sigma, alpha));
        }
        return sum;
    }

    private static double integrand(double z, double q, double sigma, double alpha) {
        double s2 = sigma * sigma;
        double logPhi = -z * z / (2 * s2) - Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);
        double u = q * Math.expm1((2 * z - 1) / (2 * s2));
        double g;
        if (Math.abs(u) < 1e-3) {
            // binomial series from k = 2: accurate where the closed form cancels
            double term = 1;
            g = 0;
            for (int k = 1; k <= 40; k++) {
                term *= (alpha - k + 1) / k * u;
                if (k >= 2) {
                    g += term;
                }
            }
        } else {
            double logPow = alpha * Math.log1p(u);
            if (logPow + logPhi > 700) {
                throw new IllegalStateException("reference integrand overflows; choose milder parameters");
            }
            return Math.exp(logPhi) * (Math.expm1(logPow) - alpha * u);
        }
        return Math.exp(logPhi) * g;
    }
}
