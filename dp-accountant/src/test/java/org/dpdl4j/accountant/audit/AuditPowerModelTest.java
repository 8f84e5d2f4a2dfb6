package org.dpdl4j.accountant.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Keeps the power figures of docs/threat-model.md honest on a small scale (the documented figures come
 * from {@code AuditPowerModel.main} with 1000 repetitions per variant).
 */
class AuditPowerModelTest {

    private static int exceeding(AuditPowerModel.Variant v, int reps, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int over = 0;
        for (int r = 0; r < reps; r++) {
            over += AuditPowerModel.audit(v, rnd) > AuditPowerModel.CLAIM ? 1 : 0;
        }
        return over;
    }

    @Test
    void correctPipelineModelDoesNotExceedItsClaim() {
        assertEquals(0, exceeding(AuditPowerModel.Variant.CORRECT, 25, 1));
    }

    @Test
    void halvedSigmaModelExceedsItsClaimAlmostAlways() {
        assertTrue(exceeding(AuditPowerModel.Variant.HALVED_SIGMA, 25, 2) >= 24);
    }

    @Test
    void realisedDivisorModelIsInvisibleToTheOneRunAudit() {
        assertEquals(0, exceeding(AuditPowerModel.Variant.REALISED_DIVISOR, 10, 3));
    }

    @Test
    void twoDatasetAuditOfTheRealisedDivisorAlmostNeverMisses() {
        double miss = 1 - AuditPowerModel.twoDatasetPower(150, 1.2631);
        assertTrue(miss < 1e-6, "miss probability " + miss);
        // and with too few trials it would miss: the sizing matters
        assertTrue(1 - AuditPowerModel.twoDatasetPower(40, 1.2631) > 0.5);
    }
}
