package org.dpdl4j.core.training;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.core.audit.TrainerFactory;
import org.dpdl4j.core.clipping.ClippingStrategy;
import org.dpdl4j.core.engine.PerExampleGradients;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Deliberately broken DP-SGD variants, for tests only: each is a bug that public DP code has shipped.
 * Every one keeps the ledger and the reported ε of the correct pipeline, so its claim is false.
 */
final class Mutants {

    private Mutants() {
    }

    /** (b) σ halved: noise of std σC/2 while the ledger records σ. */
    static final ReleaseRule HALVED_SIGMA = (sum, noise, std, normalizer, batchSize) -> {
        noise.addTo(sum, std / 2);
        sum.divi(normalizer);
    };

    /**
     * (c) the "noise after averaging" bug: the noise std is worked out for the averaged gradient, σ·C/B,
     * but the division by B is applied to the noise as well (noise added to the sum, then everything
     * divided), so the noise is B times too small. (Adding the full σ·C after averaging would instead be
     * B times too much noise: over-private, not a leak.)
     */
    static final ReleaseRule NOISE_AFTER_AVERAGING = (sum, noise, std, normalizer, batchSize) -> {
        noise.addTo(sum, std / normalizer);
        sum.divi(normalizer);
    };

    /** (d) divides by the realised Poisson batch size (1 for an empty batch) while accounting for Poisson. */
    static final ReleaseRule REALISED_DIVISOR = (sum, noise, std, normalizer, batchSize) -> {
        noise.addTo(sum, std);
        sum.divi(Math.max(1, batchSize));
    };

    /** A trainer factory for a broken release rule. */
    static TrainerFactory withRule(ReleaseRule rule) {
        return (MultiLayerNetwork net, DataSet data, DpSgdConfig config) -> DpSgdTrainer.makeWithReleaseRule(net, data, config,
                rule);
    }

    /**
     * (a) no clipping: every factor is 1, while the strategy still reports sensitivity C, so the noise
     * and the ledger are those of clipping at C.
     */
    static final class NoClipping implements ClippingStrategy {
        private final double claimed;

        NoClipping(double claimedClipNorm) {
            this.claimed = claimedClipNorm;
        }

        @Override
        public INDArray factors(PerExampleGradients gradients) {
            return Nd4j.ones(gradients.norms().dataType(), gradients.batchSize(), gradients.trainedLayers().length);
        }

        @Override
        public double sensitivity() {
            return claimed;
        }

        @Override
        public String description() {
            return "NO CLIPPING (mutant) claiming C=" + claimed;
        }
    }
}
