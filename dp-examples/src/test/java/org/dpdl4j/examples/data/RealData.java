package org.dpdl4j.examples.data;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The installed Fashion-MNIST, loaded once per test JVM and shared across test classes (parsing the training set
 * takes about a second). Tests that need it are skipped, with a message saying how to install it, when it is absent.
 */
public final class RealData {

    private static FashionMnist train;
    private static FashionMnist test;

    private RealData() {
    }

    /** Skips the calling test unless the real files are present. */
    public static void assumeAvailable() {
        assumeTrue(FashionMnist.isAvailable(), () -> "Fashion-MNIST not found in " + FashionMnist.directory()
                + "; skipping. Install it with `apt-get install dataset-fashion-mnist` or set "
                + FashionMnist.DIR_VARIABLE + ".");
    }

    /** The real training set; skips the test if absent. */
    public static synchronized FashionMnist train() {
        assumeAvailable();
        if (train == null) {
            train = FashionMnist.train();
        }
        return train;
    }

    /** The real test set; skips the test if absent. */
    public static synchronized FashionMnist test() {
        assumeAvailable();
        if (test == null) {
            test = FashionMnist.test();
        }
        return test;
    }
}
