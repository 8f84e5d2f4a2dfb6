package org.dpdl4j.core.audit;

import java.nio.file.Path;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.core.clipping.ClippingStrategy;
import org.dpdl4j.core.clipping.FlatClipping;
import org.dpdl4j.core.training.DpSgdConfig;
import org.dpdl4j.core.training.SamplingMode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Shared settings of the audit tests: sized in docs/threat-model.md ("Audits"). */
public final class AuditFixtures {

    /** Canaries of the one-run audits; about half are inserted. */
    public static final int CANARIES = 3000;
    /** Real records next to the canaries. */
    public static final int REAL_ROWS = 500;
    /** Expected batch size: q ≈ 40 / (500 + 1500) = 0.02. */
    public static final double BATCH = 40;

    private AuditFixtures() {
    }

    /** Two-class synthetic records: 8 Gaussian features, the label is the sign of a fixed linear rule. */
    public static DataSet realData(int rows, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.DOUBLE, rows, 8);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, rows, 2);
        for (int i = 0; i < rows; i++) {
            double s = x.getDouble(i, 0) - 0.5 * x.getDouble(i, 1) + 0.25 * x.getDouble(i, 2);
            y.putScalar(i, s > 0 ? 1 : 0, 1.0);
        }
        return new DataSet(x, y);
    }

    /** σ = 1, C = 1, q ≈ 0.02, 2 epochs (≈ 100 steps), δ = 1e-5, PLD: claimed ε ≈ 1.4. */
    public static DpSgdConfig poissonConfig(Path ledger, long seed) {
        return poissonConfig(ledger, seed, new FlatClipping(1.0));
    }

    /** The same with another clipping strategy (a test-only mutant that claims C = 1). */
    public static DpSgdConfig poissonConfig(Path ledger, long seed, ClippingStrategy clipping) {
        return DpSgdConfig.builder().sampling(SamplingMode.POISSON).batchSize(BATCH).clipping(clipping).noiseMultiplier(1.0)
                .epochs(2).delta(1e-5).accountant(AccountantType.PLD).seed(seed).ledger(ledger).build();
    }

    /**
     * The per-step two-dataset audit: D = 10 zero-gradient records, expected batch 9.9 (q = 0.99 on D,
     * 0.9 on D'), σ = 3 (one step claims ε ≈ 1.26 by PLD at δ = 1e-5), 2000 inputs, 150 steps per dataset.
     */
    public static DpSgdConfig perStepConfig(long seed) {
        return DpSgdConfig.builder().sampling(SamplingMode.POISSON).batchSize(9.9).clipNorm(1.0).noiseMultiplier(3.0)
                .delta(1e-5).accountant(AccountantType.PLD).seed(seed).build();
    }

    public static DistinguishingAudit.Config perStepAudit(double... thresholds) {
        return DistinguishingAudit.Config.builder().trials(150).perStep(true).others(10).inputs(2000)
                .thresholds(thresholds).build();
    }

    public static CanaryAuditConfig oneRun(long seed) {
        return CanaryAuditConfig.builder().canaries(CANARIES).guesses(100, 0).seed(seed).build();
    }
}
