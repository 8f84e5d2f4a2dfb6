package org.dpdl4j.dl4j.postprocess;

import java.io.Serializable;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One serialisable feature post-processing step applied row by row, with its declared privacy cost.
 * Steps are either affine ({@link AffineStep}: centring, standardisation, PCA) or per-example
 * normalisations ({@link L2Normalize}, {@link GroupNormalize}); affine steps and L2 normalisation map to
 * DL4J layers/preprocessors on export, group normalisation does not (yet).
 *
 * <p>Privacy assumption: applying a fitted step to a row depends on that row and on the step's
 * (already released or public) parameters only, so it keeps per-example sensitivity arguments valid;
 * fitting is where privacy is spent, and {@link #cost()} states how.
 */
public sealed interface FeatureStep extends Serializable permits AffineStep, L2Normalize, GroupNormalize {

    /** The step applied to rows [n, d_in], as a new array [n, d_out] of the same type. */
    INDArray apply(INDArray x);

    /** Output dimension for a given input dimension. */
    int outputDimension(int inputDimension);

    /** What fitting it cost. */
    PrivacyCost cost();

    /** One line for reports. */
    String describe();
}
