package org.dpdl4j.dl4j.features;

import org.dpdl4j.dl4j.postprocess.PrivacyCost;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A fixed, per-example feature map that is not a DL4J network: a hand-crafted transform such as the
 * wavelet scattering transform, or any other function whose parameters are fixed before training.
 * {@link FeatureExtractor#of(FrozenFeatureMap)} wraps it so that it gets the same batching, progress
 * lines and on-disk caching as a frozen network, and stacks with the post-processing steps and the
 * private head in the same way.
 *
 * <p>Privacy assumption: implementations promise that (1) output row i depends on input row i alone
 * (no batch statistics), and (2) the map's parameters do not depend on the private data;
 * {@link #cost()} says why it is free. Under both, extraction is a fixed per-example map and the head's
 * per-example sensitivity argument holds on the features unchanged.
 */
public interface FrozenFeatureMap {

    /**
     * Features of a batch of inputs.
     *
     * @param inputs [b, ...] in the layout the map documents
     * @return [b, d] features (or any rank with b rows, flattened by the extractor); row i depends on input i only
     */
    INDArray apply(INDArray inputs);

    /** One line for reports, e.g. "scattering J=2 L=8 order 2 on 28x28". */
    String description();

    /**
     * Identifies the map and every parameter that affects its output: part of a {@link FeatureCache} key,
     * so it must change whenever the features would change.
     */
    String fingerprint();

    /** Why the map costs no privacy ({@code DATA_INDEPENDENT} or {@code PUBLIC_DATA}). */
    PrivacyCost cost();
}
