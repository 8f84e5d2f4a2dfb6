package org.dpdl4j.core.sampling;

import java.util.List;
import java.util.NoSuchElementException;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * A {@link DataSetIterator} view of one epoch of a {@link PoissonSampler}: exactly
 * {@link PoissonSampler#stepsPerEpoch()} batches, each a fresh Poisson sample. An empty sample is
 * returned as a {@link DataSet} whose features and labels have 0 rows (ND4J supports such arrays;
 * {@code numExamples() == 0}); it is never skipped, because the step must still add noise and be
 * counted. {@link #reset()} starts another epoch with new draws; nothing is replayed.
 *
 * <p>This iterator is for a DP training loop. Do not hand it to {@code MultiLayerNetwork.fit}: that is
 * not private, and DL4J cannot fit a 0-row batch. {@link #asyncSupported()} is {@code false} so DL4J
 * does not wrap it in a prefetching thread.
 *
 * <p>Privacy assumption: as for {@link PoissonSampler}; a preprocessor, if set, must not be fitted on the
 * private data (it is applied to non-empty batches only).
 */
public final class PoissonSamplingIterator implements DataSetIterator {

    private final PoissonSampler sampler;
    private long stepsThisEpoch;
    private DataSetPreProcessor preProcessor;

    public PoissonSamplingIterator(PoissonSampler sampler) {
        if (sampler == null) {
            throw new IllegalArgumentException("sampler must not be null");
        }
        this.sampler = sampler;
    }

    /** The sampler behind this iterator (for its event, divisor and checkpoint state). */
    public PoissonSampler sampler() {
        return sampler;
    }

    @Override
    public boolean hasNext() {
        return stepsThisEpoch < sampler.stepsPerEpoch();
    }

    @Override
    public DataSet next() {
        if (!hasNext()) {
            throw new NoSuchElementException("the epoch's " + sampler.stepsPerEpoch() + " steps are done; call reset() for another epoch");
        }
        Batch batch = sampler.next();
        stepsThisEpoch++;
        DataSet ds = new DataSet(batch.features(), batch.labels());
        if (preProcessor != null && !batch.isEmpty()) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    /** Unsupported: Poisson batch sizes are random by design. */
    @Override
    public DataSet next(int num) {
        throw new UnsupportedOperationException("Poisson batches have random sizes; call next()");
    }

    @Override
    public int inputColumns() {
        long[] shape = sampler.data().features().shape();
        long columns = 1;
        for (int i = 1; i < shape.length; i++) {
            columns *= shape[i];
        }
        return (int) columns;
    }

    @Override
    public int totalOutcomes() {
        long[] shape = sampler.data().labels().shape();
        return shape.length < 2 ? 1 : (int) shape[1];
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public void reset() {
        stepsThisEpoch = 0;
    }

    /** The expected batch size q·N, rounded; actual batches vary. */
    @Override
    public int batch() {
        return (int) Math.round(sampler.normalizer());
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return null;
    }
}
