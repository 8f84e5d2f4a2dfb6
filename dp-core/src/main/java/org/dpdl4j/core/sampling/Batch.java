package org.dpdl4j.core.sampling;

import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One step's sample: the selected records' features and labels and their row indices in the dataset.
 * A batch may be empty ({@code size == 0}); then features and labels are arrays with 0 rows and the
 * dataset's trailing shape (ND4J supports such empty arrays), and the step must still run: it releases
 * noise only. Skipping it would change the sampling distribution the accountant assumed.
 *
 * <p>Privacy assumption: which records were selected is secret; the indices are for the training step
 * and for tests, never for output. The arrays are fresh copies except in a full batch, where they are
 * the dataset's own arrays and must not be modified. The indices array is owned by the batch.
 *
 * @param features [size, ...] rows of the dataset's features
 * @param labels [size, ...] rows of the dataset's labels
 * @param size number of records, 0 or more
 * @param indices row index in the dataset of each record, in the order of the rows
 */
public record Batch(INDArray features, INDArray labels, int size, long[] indices) {

    public Batch {
        Objects.requireNonNull(features, "features must not be null (use a 0-row array for an empty batch)");
        Objects.requireNonNull(labels, "labels must not be null (use a 0-row array for an empty batch)");
        Objects.requireNonNull(indices, "indices must not be null");
        if (size < 0 || indices.length != size) {
            throw new IllegalArgumentException("batch size " + size + " does not match " + indices.length + " indices");
        }
        if (features.rank() == 0 || features.size(0) != size || labels.rank() == 0 || labels.size(0) != size) {
            throw new IllegalArgumentException("batch of size " + size + " has features of shape "
                    + java.util.Arrays.toString(features.shape()) + " and labels of shape " + java.util.Arrays.toString(labels.shape()));
        }
    }

    /** Whether this step selected no record (a noise-only step). */
    public boolean isEmpty() {
        return size == 0;
    }
}
