package org.dpdl4j.accountant.event;

import java.util.Objects;
import org.dpdl4j.accountant.PrivacyParameters;

/**
 * A mechanism run on a Poisson subsample: every record is included independently with probability q.
 * This is analysed under add/remove-one neighbouring, so the inner mechanism must be stated under that
 * relation too.
 *
 * <p>Privacy assumption: inclusion decisions are independent, secret, and made with exactly rate q;
 * an empty sample still runs the inner mechanism (noise only). The batch is not resampled and the
 * normalisation does not depend on the realised batch size.
 *
 * @param samplingRate q in (0, 1]
 * @param event the mechanism run on the sample
 */
public record PoissonSampledEvent(double samplingRate, DpEvent event) implements DpEvent {

    public PoissonSampledEvent {
        PrivacyParameters.checkSamplingRate(samplingRate);
        Objects.requireNonNull(event, "inner event must not be null");
        if (event instanceof GaussianEvent g && g.relation() != NeighbouringRelation.ADD_OR_REMOVE_ONE) {
            throw new IllegalArgumentException("Poisson subsampling is analysed under ADD_OR_REMOVE_ONE, but the inner "
                    + "Gaussian is stated under " + g.relation() + "; state its noise multiplier for add/remove-one");
        }
    }

    /** Poisson-subsampled Gaussian with add/remove-one sensitivity 1. */
    public static PoissonSampledEvent gaussian(double samplingRate, double noiseMultiplier) {
        return new PoissonSampledEvent(samplingRate, GaussianEvent.of(noiseMultiplier));
    }

    @Override
    public String kind() {
        return "poisson_sampled";
    }
}
