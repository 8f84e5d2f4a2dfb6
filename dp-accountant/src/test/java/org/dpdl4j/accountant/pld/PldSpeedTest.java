package org.dpdl4j.accountant.pld;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.dpdl4j.accountant.EpsilonResult;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import org.junit.jupiter.api.Test;

/**
 * Warm timing of a typical DP-SGD run (10,000 Poisson steps, q = 256/60000, σ = 1.1). Prints the numbers
 * and asserts nothing about time, which depends on the machine and its load.
 */
class PldSpeedTest {

    @Test
    void tenThousandPoissonStepsWarm() {
        PldAccountant pld = PldAccountant.withDefaults();
        DpEvent event = new SelfComposedEvent(PoissonSampledEvent.gaussian(256.0 / 60000, 1.1), 10_000);
        EpsilonResult r = null;
        for (int i = 0; i < 5; i++) {
            r = pld.epsilon(event, 1e-5);
        }
        double[] ms = new double[9];
        for (int i = 0; i < ms.length; i++) {
            long t0 = System.nanoTime();
            r = pld.epsilon(event, 1e-5);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        System.out.printf("[pld] 10,000 Poisson steps: epsilon=%.4f errorBound=%.4f, warm time min %.1f ms, median %.1f ms "
                + "(window %d points)%n", r.epsilon(), r.errorBound(), ms[0], ms[ms.length / 2],
                pld.distribution(event, 1e-5).windowSize());
        assertTrue(Double.isFinite(r.epsilon()));
    }
}
