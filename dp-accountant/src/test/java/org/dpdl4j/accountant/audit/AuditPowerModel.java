package org.dpdl4j.accountant.audit;

import java.util.SplittableRandom;
import org.apache.commons.math3.distribution.BinomialDistribution;

/**
 * The release distribution that the one-run Dirac audit of dp-core reads, simulated without training:
 * for canary i at step t the auditor sees x = (s·b + n·Z)·B/K, in units of the clip norm, where b = 1 when
 * an included canary is sampled (probability q), s the canary's contribution (1 when clipped), n the
 * noise std relative to C·(sum scale), and K the divisor over the fixed normaliser B (1 unless the
 * divisor is the realised batch size). The auditor estimates the noise scale by median |x| / 0.6745 and
 * scores with the subsampled-Gaussian likelihood ratio, exactly as {@code DiracCanaryAudit} does. Used
 * to size the mutation tests and to state their power; see docs/threat-model.md.
 */
final class AuditPowerModel {

    /** The test configuration: m = 3000 canaries, about 2026 records, B = 40, 102 steps, top-100 guesses. */
    static final int M = 3000;
    static final int STEPS = 102;
    static final int RECORDS = 2026;
    static final double BATCH = 40;
    static final double Q = BATCH / RECORDS;
    static final int GUESSES = 100;
    static final double DELTA = 1e-5;
    /** PLD ε of the configuration (σ = 1, q = 40/2026, 102 steps, δ = 1e-5), as the trainer reports it. */
    static final double CLAIM = 1.4192;

    enum Variant {
        CORRECT(1, 1, false),
        /** canary gradient a(1 − p)√2 ≈ 10/√2 unclipped at p ≈ ½. */
        NO_CLIPPING(10 / Math.sqrt(2), 1, false),
        HALVED_SIGMA(1, 0.5, false),
        NOISE_SCALED_FOR_THE_AVERAGE(1, 1 / BATCH, false),
        REALISED_DIVISOR(1, 1, true);

        final double signal;
        final double noise;
        final boolean realisedDivisor;

        Variant(double signal, double noise, boolean realisedDivisor) {
            this.signal = signal;
            this.noise = noise;
            this.realisedDivisor = realisedDivisor;
        }
    }

    private AuditPowerModel() {
    }

    /** One simulated audit: the ε lower bound. */
    static double audit(Variant v, SplittableRandom rnd) {
        boolean[] in = new boolean[M];
        int included = 0;
        for (int i = 0; i < M; i++) {
            in[i] = rnd.nextBoolean();
            included += in[i] ? 1 : 0;
        }
        int records = RECORDS - M / 2 + included;
        BinomialDistribution others = new BinomialDistribution(null, records - 1, Q);
        double[][] x = new double[M][STEPS];
        for (int t = 0; t < STEPS; t++) {
            // the realised batch size of step t, shared by every canary
            double scale = v.realisedDivisor ? BATCH / Math.max(1, sampleBinomial(rnd, records, Q)) : 1;
            for (int i = 0; i < M; i++) {
                double b = in[i] && rnd.nextDouble() < Q ? v.signal : 0;
                x[i][t] = (b + v.noise * gaussian(rnd)) * scale;
            }
        }
        double sigmaHat = robustStd(x);
        double[] scores = new double[M];
        for (int i = 0; i < M; i++) {
            scores[i] = llr(x[i], Q, sigmaHat);
        }
        int[] g = OneRunAudit.guess(scores, in, GUESSES, 0);
        return OneRunAudit.epsilonLowerBound(DELTA, M, g[0], g[1], 0.05);
    }

    private static int sampleBinomial(SplittableRandom rnd, int n, double p) {
        // normal approximation is enough for the batch size (n·p ≈ 40)
        return (int) Math.max(0, Math.round(n * p + Math.sqrt(n * p * (1 - p)) * gaussian(rnd)));
    }

    private static double gaussian(SplittableRandom rnd) {
        double u1 = 1 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    private static double robustStd(double[][] x) {
        double[] abs = new double[x.length * x[0].length];
        int k = 0;
        for (double[] row : x) {
            for (double v : row) {
                abs[k++] = Math.abs(v);
            }
        }
        java.util.Arrays.sort(abs);
        return 0.5 * (abs[abs.length / 2 - 1] + abs[abs.length / 2]) / 0.6744897501960817;
    }

    private static double llr(double[] x, double q, double sigma) {
        double s = 0;
        double a = Math.log1p(-q);
        for (double v : x) {
            double b = Math.log(q) + (v - 0.5) / (sigma * sigma);
            double hi = Math.max(a, b);
            s += hi + Math.log1p(Math.exp(Math.min(a, b) - hi));
        }
        return s;
    }

    /**
     * Power of the per-step two-dataset audit of the realised divisor: every step on D' whose realised
     * batch is N + 1 = 11 (probability 0.9^11) is detected, none on D can be (at most N records exist),
     * so the bound is ln(lower(detections)/FPR̄) with FPR̄ = 1 − (α/2)^{1/n}; the probability it
     * exceeds the claim is a binomial sum.
     */
    static double twoDatasetPower(int trials, double claim) {
        double p = Math.pow(0.9, 11);
        BinomialDistribution det = new BinomialDistribution(null, trials, p);
        double miss = 0;
        for (int x = 0; x <= trials; x++) {
            double eps = ClopperPearsonAudit.epsilonLowerBound(0, trials, trials - x, trials, DELTA, 0.05);
            if (eps <= claim) {
                miss += det.probability(x);
            }
        }
        return 1 - miss;
    }

    /** Prints the power table of docs/threat-model.md: {@code java -cp <test classpath> ...AuditPowerModel 2000}. */
    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        SplittableRandom rnd = new SplittableRandom(2023);
        for (Variant v : Variant.values()) {
            int over = 0;
            double sum = 0;
            double min = Double.POSITIVE_INFINITY;
            double max = 0;
            for (int r = 0; r < reps; r++) {
                double eps = audit(v, rnd);
                over += eps > CLAIM ? 1 : 0;
                sum += eps;
                min = Math.min(min, eps);
                max = Math.max(max, eps);
            }
            System.out.printf(java.util.Locale.ROOT, "%-30s P(bound > %.4f) = %d/%d, bound mean %.3f, min %.3f, max %.3f%n",
                    v, CLAIM, over, reps, sum / reps, min, max);
        }
        System.out.printf(java.util.Locale.ROOT, "two-dataset realised divisor, 150 trials: miss probability %.3e "
                + "against claim 1.2631%n", 1 - twoDatasetPower(150, 1.2631));
    }
}
