package org.dpdl4j.dl4j.head;

import org.dpdl4j.dl4j.features.FeatureSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where {@link HeadTrainer} gets each step's clipped gradient sum from: the rows of one machine
 * ({@link #of(FeatureSource)}) or a cluster (dp-spark's {@code SparkHeadData}). Everything else about a
 * step (calibration, the ledger record, the noise, the divisor, momentum and the learning rate) is
 * {@link HeadTrainer}'s and runs in one place, so that a single-machine run and a distributed run cannot
 * drift apart in what they release or record.
 *
 * <p>Privacy assumption: an implementation computes the pre-noise sum over the rows a step uses of each
 * row's full head gradient (weights and bias) clipped to C, so that adding or removing one row moves the
 * sum by at most C in L2, and it releases nothing itself. Full-batch steps use every row; Poisson steps
 * include each row independently with probability q from randomness nobody outside the computation can
 * observe (secure unless the run is seeded). {@link #size()} is public, as everywhere in the library.
 */
public interface HeadData {

    /** Number of rows n (public: the full-batch divisor and the base of q·n). */
    long size();

    /** Feature dimension d. */
    int dimension();

    /** Number of classes k. */
    int classes();

    /** Type of the features, which a zero-initialised head takes. */
    DataType dataType();

    /** Where the rows are, for reports. */
    String describe();

    /**
     * Starts a run. Implementations check every row here (finite features of dimension d, labels in [0, k)),
     * because this is called before the first step is recorded: a bad row then fails the run before any
     * budget is spent.
     *
     * @param mode full batch or Poisson
     * @param samplingRate q, 1 for full batch
     * @param seed {@code null} for secure sampling, or a seed for reproducible NOT secure sampling (tests)
     * @throws IllegalArgumentException naming the first bad row and what to fix
     */
    Steps start(HeadMode mode, double samplingRate, Long seed);

    /** The steps of one run, called in order 0, 1, 2, … from one thread. */
    interface Steps extends AutoCloseable {

        /**
         * Adds step {@code step}'s clipped gradient sum into {@code sumW} [d, k] and {@code sumB} [1, k]
         * ({@code null} without bias), both zero on entry and of the head's type. The head must not be modified.
         *
         * @param clipNorm C
         */
        void addClippedSum(PrivateLinearHead head, long step, double clipNorm, INDArray sumW, INDArray sumB);

        /** How the steps sample rows and where from, for the report. */
        String sampling();

        /** Frees what the run held (cached norms, broadcast variables); the data stay usable. */
        @Override
        void close();
    }

    /** The rows of a {@link FeatureSource} on this machine. */
    static HeadData of(FeatureSource source) {
        return new LocalHeadData(source);
    }
}
