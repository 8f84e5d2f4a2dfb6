package org.dpdl4j.core.noise;

import java.security.SecureRandom;

/**
 * Gaussian noise for private releases: a CSPRNG stream and a construction whose output carries no
 * information about the un-noised value in its low-order bits.
 *
 * <h2>Construction</h2>
 * For a requested standard deviation {@code std} let the grid be g = 2<sup>⌊log₂ std⌋ − 40</sup>, the
 * largest power of two not above std·2<sup>−40</sup>, and s = std/g ∈ [2<sup>40</sup>, 2<sup>41</sup>).
 * Each element x becomes
 * <pre>   y = g·round(x/g) + g·K,   K = round(s·Z)</pre>
 * where Z is a standard normal drawn by Marsaglia's polar method from 53-bit uniforms, and the uniforms
 * come from AES-256 in counter mode under a key drawn from {@link SecureRandom} when the instance is
 * created (rekeyed from the same source every 2<sup>32</sup> blocks).
 *
 * <h2>What it guarantees</h2>
 * <ul>
 * <li><b>No low-bit leak.</b> g is a power of two, so x/g, round(x/g)·g and K·g are exact, and the one
 * remaining addition (and the final cast to the target's type) is correctly rounded. The stored value is
 * therefore a deterministic function of the integer round(x/g) + K alone. Two inputs in the same grid
 * cell give identical outputs for the same randomness, and every input's outputs lie on the same
 * lattice gℤ (before the final rounding to the target's precision, which is itself a function of
 * round(x/g) + K). This removes the x-dependent gaps in the output's support that the attacks of
 * Mironov (CCS 2012) and Jin et al. (S&amp;P 2022) read, for Laplace and for Gaussian noise in DP-SGD.
 * The random draws, and so their number and timing, do not depend on x, and the polar method's
 * rejection count is independent of the value it returns (rejection-sampler timing was the other
 * channel of Jin et al.).</li>
 * <li><b>Accounting.</b> Were Z exactly normal, y would be g·round((x̃ + std·Z)/g) with x̃ = g·round(x/g):
 * a post-processing of the exact Gaussian mechanism applied to x̃. Rounding moves each coordinate by
 * at most g/2, so the L2 sensitivity of x̃ is at most Δ + g√d for d noised coordinates. With std = σΔ
 * the effective noise multiplier is σ/(1 + g√d/Δ) ≥ σ/(1 + σ√d·2<sup>−40</sup>): for σ ≤ 10 and
 * d ≤ 10<sup>9</sup> that is a relative change below 3·10<sup>−7</sup>, far below any accountant's
 * resolution; {@link #sensitivitySlack} returns it so a report can state it.</li>
 * <li><b>Not claimed.</b> Z is a double-precision approximation of a normal variable (uniforms on a
 * 2<sup>−52</sup> grid, a tail cut at about 12 standard deviations, library {@code log}/{@code sqrt}
 * accurate to an ulp). We do not prove a bound on its distance to the exact rounded Gaussian; the
 * approximation acts at resolution 2<sup>−40</sup>·std and is independent of x. Exact discrete samplers
 * (Canonne, Kamath &amp; Steinke 2020) remove this caveat but are far slower. The CSPRNG guarantee is
 * computational (AES as a pseudorandom permutation).</li>
 * </ul>
 *
 * <p>Every instance draws a fresh key, so two instances, for example a run and its resumption from a
 * checkpoint, never share a stream. The key is never exported or serialised.
 *
 * <p>Privacy assumption: the JVM's {@link SecureRandom} is properly seeded by the operating system and
 * the process memory (which holds the key) is not observed by the adversary.
 */
public final class SecureGaussianNoise extends ElementwiseNoise {

    /** Grid resolution below the standard deviation, in bits. */
    static final int GRID_BITS_BELOW_STD = 40;
    private static final double MIN_STD = 0x1p-900;
    private static final double MAX_STD = 0x1p900;

    /** Normals are produced in blocks of this many; an even number, so pairs never straddle a refill. */
    private static final int BLOCK = 4096;
    /** Candidate pairs drawn per keystream read (about 79% are accepted). */
    private static final int CANDIDATE_PAIRS = 1024;
    /** Below this many values per lane, splitting over threads costs more than it saves. */
    private static final int MIN_VALUES_PER_LANE = 1 << 15;

    /** Independent streams, one per thread that may work on a call; lane 0 runs on the calling thread. */
    private final Lane[] lanes;
    /** A draw ahead in progress or done and not yet used (guarded by this). */
    private java.util.concurrent.Future<?> ahead;
    private int aheadCount;
    /** Per lane, the normals drawn ahead; reused, and overwritten by every draw. */
    private double[][] aheadNormals = new double[0][];

    /** Noise under a fresh key from a new {@link SecureRandom} (on Linux: NativePRNG, seeded from /dev/urandom). */
    public SecureGaussianNoise() {
        this(new SecureRandom());
    }

    /**
     * Noise under a fresh key drawn from {@code keySource}.
     *
     * @param keySource a properly seeded CSPRNG, for example {@code SecureRandom.getInstanceStrong()}
     */
    public SecureGaussianNoise(SecureRandom keySource) {
        if (keySource == null) {
            throw new IllegalArgumentException("keySource must not be null");
        }
        this.lanes = new Lane[NoiseThreads.lanes()];
        for (int i = 0; i < lanes.length; i++) {
            // Each lane has its own key, so lanes share no keystream.
            lanes[i] = new Lane(new AesCtrRandom(keySource));
        }
    }

    private SecureGaussianNoise(Lane[] lanes) {
        this.lanes = lanes;
    }

    /** A reproducible instance under a fixed 32-byte key, so tests can replay the same randomness; never for training. */
    static SecureGaussianNoise withFixedKeyForTests(byte[] key) {
        return withFixedKeyForTests(key, NoiseThreads.lanes());
    }

    /** As {@link #withFixedKeyForTests(byte[])}, with a given number of lanes (lane i starts at counter i·2^120). */
    static SecureGaussianNoise withFixedKeyForTests(byte[] key, int laneCount) {
        Lane[] lanes = new Lane[laneCount];
        for (int i = 0; i < lanes.length; i++) {
            byte[] counter = new byte[16];
            counter[0] = (byte) i;
            lanes[i] = new Lane(new AesCtrRandom(key, counter));
        }
        return new SecureGaussianNoise(lanes);
    }

    /**
     * The output grid for a standard deviation: the largest power of two not above std·2<sup>−40</sup>.
     *
     * @throws IllegalArgumentException unless 2<sup>−900</sup> ≤ std ≤ 2<sup>900</sup>
     */
    public static double grid(double std) {
        checkSecureStd(std);
        return Math.scalb(1.0, Math.getExponent(std) - GRID_BITS_BELOW_STD);
    }

    /**
     * Upper bound on the extra L2 sensitivity caused by rounding the input to the grid: g·√d for d
     * noised coordinates. Add it to the clip norm when a report wants the exact effective multiplier.
     */
    public static double sensitivitySlack(double std, long noisedCoordinates) {
        if (noisedCoordinates < 0) {
            throw new IllegalArgumentException("number of noised coordinates must be >= 0, got " + noisedCoordinates);
        }
        return grid(std) * Math.sqrt((double) noisedCoordinates);
    }

    @Override
    void addToDoubles(double[] values, int[] positions, double std) {
        Grid grid = new Grid(std);
        int n = positions == null ? values.length : positions.length;
        double[][] drawn = takeAhead(n);
        inLanes(n, (k, from, to) -> lanes[k].addToDoubles(values, positions, from, to, grid, drawn == null ? null : drawn[k]));
    }

    @Override
    void addToFloats(float[] values, int[] positions, double std) {
        Grid grid = new Grid(std);
        int n = positions == null ? values.length : positions.length;
        double[][] drawn = takeAhead(n);
        inLanes(n, (k, from, to) -> lanes[k].addToFloats(values, positions, from, to, grid, drawn == null ? null : drawn[k]));
    }

    /** One standard normal from lane 0's stream (the stream that a small {@link #addTo} draws from). */
    synchronized double nextStandardNormal() {
        awaitAhead();
        return lanes[0].nextStandardNormal();
    }

    /**
     * Draws, on a noise thread, exactly the normals that the next call on {@code count} values would draw
     * (the same lanes, the same ranges, in the same stream order), so that call only adds them: its output
     * is bit-identical to a call without drawing ahead.
     */
    @Override
    public synchronized void drawAhead(long count) {
        awaitAhead();
        ahead = null;
        if (count < 1 || count > Integer.MAX_VALUE) {
            return;
        }
        int n = (int) count;
        int used = lanesUsed(n);
        if (aheadNormals.length < used) {
            aheadNormals = java.util.Arrays.copyOf(aheadNormals, used);
        }
        double[][] buffers = aheadNormals;
        int[] sizes = new int[used];
        for (int k = 0; k < used; k++) {
            sizes[k] = rangeEnd(n, used, k) - rangeEnd(n, used, k - 1);
            if (buffers[k] == null || buffers[k].length < sizes[k]) {
                buffers[k] = new double[sizes[k]];
            }
        }
        aheadCount = n;
        ahead = NoiseThreads.submit(() -> {
            for (int k = 0; k < used; k++) {
                lanes[k].take(buffers[k], sizes[k]);
            }
        });
    }

    /** Waits for a draw ahead to end (its normals stay reserved). A failed draw fails the caller. */
    private void awaitAhead() {
        if (ahead == null) {
            return;
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    ahead.get();
                    return;
                } catch (InterruptedException e) {
                    // The draw is writing lane state; it must end before the lanes are used again.
                    interrupted = true;
                } catch (java.util.concurrent.ExecutionException e) {
                    ahead = null;
                    throw new IllegalStateException("drawing secure noise failed: " + e.getCause(), e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The normals drawn ahead for a call on n values, or null (none, or drawn for another count: discarded). */
    private double[][] takeAhead(int n) {
        if (ahead == null) {
            return null;
        }
        awaitAhead();
        ahead = null;
        return aheadCount == n ? aheadNormals : null;
    }

    /** Work on the values with indices [from, to) of a call, by lane k. */
    private interface LaneWork {
        void run(int k, int from, int to);
    }

    /**
     * Splits [0, n) into contiguous ranges, one per lane in use. How the values are split depends only on
     * n, never on the values, and each lane draws from its own stream, so the split leaks nothing.
     */
    private void inLanes(int n, LaneWork work) {
        int used = lanesUsed(n);
        if (used == 1) {
            work.run(0, 0, n);
            return;
        }
        NoiseThreads.run(used, k -> work.run(k, rangeEnd(n, used, k - 1), rangeEnd(n, used, k)));
    }

    private int lanesUsed(int n) {
        return Math.max(1, Math.min(lanes.length, n / MIN_VALUES_PER_LANE));
    }

    /** End of lane k's range when n values are split over {@code used} lanes (0 for k = −1). */
    private static int rangeEnd(int n, int used, int k) {
        return (int) ((long) n * (k + 1) / used);
    }

    /** A stream of standard normals: its own AES-CTR keystream and a block of normals drawn from it. */
    private static final class Lane {
        private final AesCtrRandom random;
        private final double[] normals = new double[BLOCK];
        private final long[] words = new long[2 * CANDIDATE_PAIRS];
        private int nextNormal = BLOCK;

        Lane(AesCtrRandom random) {
            this.random = random;
        }

        /** Noises values [from, to) of a call with normals drawn ahead ({@code drawn}), or else from the stream. */
        void addToDoubles(double[] values, int[] positions, int from, int to, Grid grid, double[] drawn) {
            if (drawn != null) {
                addDoubles(values, positions, from, to - from, drawn, 0, grid);
                return;
            }
            for (int done = from; done < to; ) {
                int m = takeNormals(to - done);
                addDoubles(values, positions, done, m, normals, nextNormal - m, grid);
                done += m;
            }
        }

        /** As {@link #addToDoubles}, rounding each result once to float. */
        void addToFloats(float[] values, int[] positions, int from, int to, Grid grid, double[] drawn) {
            if (drawn != null) {
                addFloats(values, positions, from, to - from, drawn, 0, grid);
                return;
            }
            for (int done = from; done < to; ) {
                int m = takeNormals(to - done);
                addFloats(values, positions, done, m, normals, nextNormal - m, grid);
                done += m;
            }
        }

        /** Adds z[zAt + j]·std to the call's value number start + j, for j in [0, m). */
        private static void addDoubles(double[] values, int[] positions, int start, int m, double[] z, int zAt, Grid grid) {
            if (positions == null) {
                for (int j = 0; j < m; j++) {
                    values[start + j] = noised(values[start + j], z[zAt + j], grid);
                }
            } else {
                for (int j = 0; j < m; j++) {
                    int i = positions[start + j];
                    values[i] = noised(values[i], z[zAt + j], grid);
                }
            }
        }

        private static void addFloats(float[] values, int[] positions, int start, int m, double[] z, int zAt, Grid grid) {
            // The cast is a correctly rounded function of the double result, so it adds no dependence on x.
            if (positions == null) {
                for (int j = 0; j < m; j++) {
                    values[start + j] = (float) noised(values[start + j], z[zAt + j], grid);
                }
            } else {
                for (int j = 0; j < m; j++) {
                    int i = positions[start + j];
                    values[i] = (float) noised(values[i], z[zAt + j], grid);
                }
            }
        }

        double nextStandardNormal() {
            takeNormals(1);
            return normals[nextNormal - 1];
        }

        /** Copies the next {@code count} normals of the stream into {@code into[0, count)}. */
        void take(double[] into, int count) {
            for (int done = 0; done < count; ) {
                int m = takeNormals(count - done);
                System.arraycopy(normals, nextNormal - m, into, done, m);
                done += m;
            }
        }

        /**
         * Reserves up to {@code wanted} (at least one) unused normals and returns how many: they are
         * {@code normals[nextNormal - m, nextNormal)}. Refills the block when it is used up.
         */
        private int takeNormals(int wanted) {
            if (nextNormal == BLOCK) {
                refillNormals();
            }
            int m = Math.min(wanted, BLOCK - nextNormal);
            nextNormal += m;
            return m;
        }

        /**
         * Fills the block with standard normals by Marsaglia's polar method. Candidate pairs are drawn in
         * bulk and each costs the same arithmetic whether it is accepted or not (acceptance only decides
         * whether the write position advances); how many candidates are consumed depends on the stream
         * alone, never on the data being noised.
         */
        private void refillNormals() {
            int filled = 0;
            while (filled < BLOCK) {
                random.nextLongs(words, 0, words.length);
                for (int p = 0; p < CANDIDATE_PAIRS && filled < BLOCK; p++) {
                    double u = symmetricUniform(words[2 * p]);
                    double v = symmetricUniform(words[2 * p + 1]);
                    double s = u * u + v * v;
                    // s > 0 always (|u|, |v| >= 2^-53). A rejected pair (s >= 1) writes garbage at the current
                    // position without advancing it; the loop runs until an accepted pair overwrites it.
                    double factor = Math.sqrt(-2.0 * Math.log(s) / s);
                    normals[filled] = u * factor;
                    normals[filled + 1] = v * factor;
                    filled += s < 1.0 ? 2 : 0;
                }
            }
            nextNormal = 0;
        }
    }

    private static double noised(double x, double z, Grid grid) {
        // Above 2^53 g the spacing of doubles is a multiple of g, so x already lies on the grid (and x/g
        // could overflow for huge x and tiny g).
        double onGrid = Math.abs(x) < grid.alreadyOnGridAbove ? Math.rint(x * grid.inverse) * grid.g : x;
        double k = Math.rint(grid.cells * z);
        return onGrid + k * grid.g;
    }

    /**
     * A uniform on (−1, 1), symmetric about 0 and never 0: (k + ½)·2^-52 for a 52-bit k, with a random
     * sign. (k + ½) needs 53 bits, so every value is exact.
     */
    private static double symmetricUniform(long bits) {
        double magnitude = ((bits >>> 12) + 0.5) * 0x1p-52;
        return (bits & 1L) == 0 ? magnitude : -magnitude;
    }

    @Override
    public boolean secure() {
        return true;
    }

    @Override
    public String description() {
        return "secure Gaussian noise: AES-256-CTR keystream keyed from SecureRandom (fresh key per instance), "
                + "polar-method normals, input and output on the power-of-two grid g = 2^(floor(log2 std) - 40) so the "
                + "output depends on x only through round(x/g); L2 sensitivity slack <= g*sqrt(d)";
    }

    @Override
    void validateStd(double std) {
        checkSecureStd(std);
    }

    private static void checkSecureStd(double std) {
        checkStd(std);
        if (std < MIN_STD || std > MAX_STD) {
            throw new IllegalArgumentException("noise std must lie in [2^-900, 2^900] for the grid construction, got " + std);
        }
    }

    /** Per-call constants of the construction; all powers of two except {@code cells}. */
    private static final class Grid {
        final double g;
        final double inverse;
        final double cells;
        final double alreadyOnGridAbove;

        Grid(double std) {
            int exponent = Math.getExponent(std) - GRID_BITS_BELOW_STD;
            g = Math.scalb(1.0, exponent);
            inverse = Math.scalb(1.0, -exponent);
            cells = Math.scalb(std, -exponent);
            alreadyOnGridAbove = Math.scalb(1.0, exponent + 53);
        }
    }
}
