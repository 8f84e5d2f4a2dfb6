package org.dpdl4j.core.audit;

/**
 * Immutable settings of a one-run canary audit (Steinke, Nasr &amp; Jagielski 2023), built with a
 * validating builder: how many canaries, how many guesses, the confidence and the canaries' magnitude.
 * Training settings (σ, C, batch size, epochs, δ) stay in the trainer's own configuration.
 *
 * <p>Privacy assumption: none is needed from the audited pipeline; the audit's own validity assumes
 * that each canary is included independently with probability ½ by randomness the trainer never sees
 * (a CSPRNG unless a seed is given), and that guesses are made from the released outputs alone.
 */
public final class CanaryAuditConfig {

    private final int canaries;
    private final int guessIncluded;
    private final int guessExcluded;
    private final double significance;
    private final double canaryScale;
    private final Long seed;

    private CanaryAuditConfig(Builder b, int guessIncluded, int guessExcluded) {
        this.canaries = b.canaries;
        this.guessIncluded = guessIncluded;
        this.guessExcluded = guessExcluded;
        this.significance = b.significance;
        this.canaryScale = b.canaryScale;
        this.seed = b.seed;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** m, the number of canaries; each is included with probability ½. */
    public int canaries() {
        return canaries;
    }

    /** k₊: the canaries with the highest scores are guessed "included". */
    public int guessIncluded() {
        return guessIncluded;
    }

    /** k₋: the canaries with the lowest scores are guessed "excluded". */
    public int guessExcluded() {
        return guessExcluded;
    }

    /** The audit rejects "(ε, δ)-DP" at this level: 0.05 gives a 95% lower bound. */
    public double significance() {
        return significance;
    }

    /**
     * The magnitude a of a canary's input (a one-hot a·e_j for Dirac canaries, a vector of norm a for
     * black-box ones); large enough that every canary's gradient exceeds the clip norm, so clipping, not
     * the canary, sets its contribution.
     */
    public double canaryScale() {
        return canaryScale;
    }

    /** Seed of the auditor's coin flips and canary labels, or null for a CSPRNG. */
    public Long seed() {
        return seed;
    }

    @Override
    public String toString() {
        return "CanaryAuditConfig[m=" + canaries + ", guess " + guessIncluded + " included + " + guessExcluded
                + " excluded, significance " + significance + ", canary scale " + canaryScale
                + (seed == null ? ", secure coins" : ", seed " + seed) + "]";
    }

    /** Builder with validation on every setter and on {@link #build()}. */
    public static final class Builder {
        private int canaries;
        private int guessIncluded = -1;
        private int guessExcluded;
        private double significance = 0.05;
        private double canaryScale = 10;
        private Long seed;

        private Builder() {
        }

        /** m ≥ 1 canaries. */
        public Builder canaries(int m) {
            if (m < 1) {
                throw new IllegalArgumentException("an audit needs at least one canary, got " + m);
            }
            this.canaries = m;
            return this;
        }

        /**
         * Guess "included" for the {@code included} highest scores and "excluded" for the {@code excluded}
         * lowest; abstain on the rest. Default: the top ⌈m/30⌉, no "excluded" guesses.
         */
        public Builder guesses(int included, int excluded) {
            if (included < 0 || excluded < 0 || included + excluded < 1) {
                throw new IllegalArgumentException("guess counts must be >= 0 with at least one guess, got " + included
                        + " included and " + excluded + " excluded");
            }
            this.guessIncluded = included;
            this.guessExcluded = excluded;
            return this;
        }

        /** In (0, 0.5]; 0.05 for a 95% lower bound. */
        public Builder significance(double level) {
            if (!(level > 0 && level <= 0.5)) {
                throw new IllegalArgumentException("significance must be in (0, 0.5], got " + level);
            }
            this.significance = level;
            return this;
        }

        /** The canary input magnitude a &gt; 0 (default 10). */
        public Builder canaryScale(double a) {
            if (!(a > 0) || Double.isInfinite(a)) {
                throw new IllegalArgumentException("canary scale must be a finite number > 0, got " + a);
            }
            this.canaryScale = a;
            return this;
        }

        /** Reproducible coin flips (tests, experiments); without a seed they come from a CSPRNG. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public CanaryAuditConfig build() {
            if (canaries < 1) {
                throw new IllegalArgumentException("set the number of canaries: canaries(m), e.g. 1000");
            }
            int included = guessIncluded < 0 ? Math.max(1, (canaries + 29) / 30) : guessIncluded;
            int excluded = guessIncluded < 0 ? 0 : guessExcluded;
            if (included + excluded > canaries) {
                throw new IllegalArgumentException("cannot make " + (included + excluded) + " guesses about "
                        + canaries + " canaries");
            }
            return new CanaryAuditConfig(this, included, excluded);
        }
    }
}
