package org.dpdl4j.accountant.event;

import java.util.Objects;
import org.dpdl4j.accountant.PrivacyParameters;

/**
 * The Gaussian mechanism: a query of L2 sensitivity 1 (under {@link #relation()}) released with
 * N(0, σ²) noise per coordinate, where σ is the noise multiplier.
 *
 * <p>Privacy assumption: the query's sensitivity under the stated relation really is at most 1 after
 * scaling. For DP-SGD with clip norm C and noise std σC the add/remove sensitivity of the clipped sum
 * is C (multiplier σ) and the replace-one sensitivity is 2C (multiplier σ/2).
 *
 * @param noiseMultiplier σ &gt; 0, finite
 * @param relation the neighbouring relation under which the sensitivity is 1
 */
public record GaussianEvent(double noiseMultiplier, NeighbouringRelation relation) implements DpEvent {

    public GaussianEvent {
        PrivacyParameters.checkNoiseMultiplier(noiseMultiplier);
        Objects.requireNonNull(relation, "relation must not be null: choose ADD_OR_REMOVE_ONE or REPLACE_ONE");
    }

    /** Gaussian mechanism with sensitivity 1 under add/remove-one. */
    public static GaussianEvent of(double noiseMultiplier) {
        return new GaussianEvent(noiseMultiplier, NeighbouringRelation.ADD_OR_REMOVE_ONE);
    }

    @Override
    public String kind() {
        return "gaussian";
    }
}
