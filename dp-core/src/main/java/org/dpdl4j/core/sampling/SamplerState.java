package org.dpdl4j.core.sampling;

import java.io.Serializable;
import java.util.Objects;

/**
 * The part of a sampler's state that a checkpoint keeps: which sampler, its parameters, how far it
 * got, and how its randomness was made. It deliberately holds no random-generator state: restoring a
 * secure sampler reseeds it from a fresh {@link java.security.SecureRandom}, and restoring a seeded one
 * moves it to the next stream of its seed ({@code streamId + 1}), so a resumed run never replays the
 * batches of the interrupted one.
 *
 * <p>A seeded restore is deterministic: restoring the same checkpoint twice gives the same batches
 * (stream {@code streamId + 1} both times), so two resumptions from one checkpoint share their batches.
 * That is the point of seeded runs (reproducible experiments) and one more reason they are not private.
 *
 * <p>Privacy assumption: a checkpoint is as confidential as the training data (it may hold the seed
 * of a seeded run), and the resumed run keeps accounting every step it takes.
 *
 * @param sampler the sampler kind, e.g. {@code "poisson"}
 * @param datasetSize N, the number of records
 * @param samplingRate q for Poisson, b/N for fixed-size samplers, 1 for full batches
 * @param batchSize b for fixed-size samplers, N for full batches, 0 for Poisson (its size is random)
 * @param stepsTaken batches drawn since the sampler was created, across restores
 * @param epoch the current epoch, from 0
 * @param stepInEpoch batches already drawn in the current epoch
 * @param secure whether the batches came from a secure generator
 * @param seed the seed of a seeded sampler, 0 for a secure one
 * @param streamId the stream of {@code seed} in use, 0 for a secure sampler
 */
public record SamplerState(String sampler, long datasetSize, double samplingRate, long batchSize, long stepsTaken,
        long epoch, long stepInEpoch, boolean secure, long seed, long streamId) implements Serializable {

    private static final long serialVersionUID = 1L;

    public SamplerState {
        Objects.requireNonNull(sampler, "sampler kind must not be null");
        if (datasetSize < 1 || stepsTaken < 0 || epoch < 0 || stepInEpoch < 0 || batchSize < 0) {
            throw new IllegalArgumentException("invalid sampler state: dataset size " + datasetSize + ", steps "
                    + stepsTaken + ", epoch " + epoch + ", step in epoch " + stepInEpoch + ", batch size " + batchSize);
        }
    }
}
