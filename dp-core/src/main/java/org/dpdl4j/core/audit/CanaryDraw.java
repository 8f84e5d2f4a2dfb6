package org.dpdl4j.core.audit;

import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The auditor's secret coin flips: for each of m canaries whether it is inserted (probability ½,
 * independently) and its label. The trainer never sees these, only the dataset they produce.
 *
 * <p>Privacy assumption: none; the audit's validity needs the coins to be independent of everything
 * the trainer does, which separate generators (a CSPRNG, or a seed used for nothing else) ensure.
 *
 * @param included whether canary i was inserted
 * @param labels the class of canary i, uniform over the classes
 */
public record CanaryDraw(boolean[] included, int[] labels) {

    public CanaryDraw {
        if (included.length != labels.length) {
            throw new IllegalArgumentException(included.length + " inclusion flags but " + labels.length + " labels");
        }
        included = included.clone();
        labels = labels.clone();
    }

    /**
     * Draws m canaries over {@code classes} classes from a CSPRNG, or from {@code seed} when it is not null.
     */
    public static CanaryDraw draw(int m, int classes, Long seed) {
        if (m < 1) {
            throw new IllegalArgumentException("need at least one canary, got " + m);
        }
        if (classes < 2) {
            throw new IllegalArgumentException("canary labels need at least 2 classes, got " + classes);
        }
        RandomGenerator rnd = seed == null ? new SecureRandom() : new SplittableRandom(seed);
        boolean[] in = new boolean[m];
        int[] y = new int[m];
        for (int i = 0; i < m; i++) {
            in[i] = rnd.nextBoolean();
            y[i] = rnd.nextInt(classes);
        }
        return new CanaryDraw(in, y);
    }

    /** m. */
    public int size() {
        return included.length;
    }

    /** How many canaries were inserted. */
    public int includedCount() {
        int c = 0;
        for (boolean b : included) {
            c += b ? 1 : 0;
        }
        return c;
    }

    /** A copy of the inclusion flags. */
    @Override
    public boolean[] included() {
        return included.clone();
    }

    /** A copy of the labels. */
    @Override
    public int[] labels() {
        return labels.clone();
    }
}
