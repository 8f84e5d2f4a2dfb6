package org.dpdl4j.accountant.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import org.dpdl4j.accountant.gaussian.GaussianAccountant;
import org.dpdl4j.accountant.rdp.RdpAccountant;
import org.junit.jupiter.api.Test;

class NoiseCalibrationTest {

    private final PrivacyAccountant rdp = RdpAccountant.withDefaultOrders();

    @Test
    void smallestSigmaMeetsTheTargetAndNothingSmallerDoes() {
        double q = 256.0 / 60000;
        var result = NoiseCalibration.noiseMultiplier(rdp, s -> new SelfComposedEvent(PoissonSampledEvent.gaussian(q, s), 14062),
                3.0, 1e-5);
        assertTrue(result.epsilon() <= 3.0, "calibrated epsilon " + result.epsilon());
        assertEquals(3.0, result.epsilon(), 1e-6, "an exact root, not a 0.01-tolerance search");
        double smaller = result.noiseMultiplier() * (1 - 1e-8);
        double epsSmaller = rdp.epsilon(new SelfComposedEvent(PoissonSampledEvent.gaussian(q, smaller), 14062), 1e-5).epsilon();
        assertTrue(epsSmaller > 3.0, "a slightly smaller sigma must exceed the target: " + epsSmaller);
    }

    @Test
    void calibratesNoisyGdExactly() {
        var result = NoiseCalibration.noiseMultiplier(new GaussianAccountant(),
                s -> new SelfComposedEvent(GaussianEvent.of(s), 100), 4.377178095681302, 1e-5);
        assertEquals(10.0, result.noiseMultiplier(), 1e-8);
    }

    @Test
    void maxStepsIsTheLastStepWithinBudget() {
        var step = PoissonSampledEvent.gaussian(0.01, 1.0);
        long t = NoiseCalibration.maxSteps(rdp, n -> new SelfComposedEvent(step, n), 2.0, 1e-5, 1_000_000);
        assertTrue(rdp.epsilon(new SelfComposedEvent(step, t), 1e-5).epsilon() <= 2.0);
        assertTrue(rdp.epsilon(new SelfComposedEvent(step, t + 1), 1e-5).epsilon() > 2.0);
        assertEquals(0, NoiseCalibration.maxSteps(rdp, n -> new SelfComposedEvent(GaussianEvent.of(0.1), n), 1.0, 1e-5, 100));
        assertEquals(100, NoiseCalibration.maxSteps(rdp, n -> new SelfComposedEvent(GaussianEvent.of(1e4), n), 1.0, 1e-5, 100));
    }

    @Test
    void impossibleTargetsAndBadInputAreExplained() {
        var ex = assertThrows(IllegalArgumentException.class, () -> NoiseCalibration.noiseMultiplier(rdp,
                s -> new SelfComposedEvent(GaussianEvent.of(s), Long.MAX_VALUE / 4), 1e-9, 1e-5));
        assertTrue(ex.getMessage().contains("raise the target"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NoiseCalibration.noiseMultiplier(rdp, GaussianEvent::of, 0, 1e-5));
        assertThrows(IllegalArgumentException.class, () -> NoiseCalibration.noiseMultiplier(rdp, GaussianEvent::of, 1, 0));
        assertThrows(IllegalArgumentException.class,
                () -> NoiseCalibration.noiseMultiplier(rdp, GaussianEvent::of, Double.NaN, 1e-5));
        assertThrows(IllegalArgumentException.class,
                () -> NoiseCalibration.maxSteps(rdp, n -> GaussianEvent.of(1), 1, 1e-5, -1));
    }
}
