package org.dpdl4j.accountant.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dpdl4j.accountant.AccountantType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class EventValidationTest {

    private static void assertMessage(Executable e, String expected) {
        var ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(expected), "message '" + ex.getMessage() + "' should contain '" + expected + "'");
    }

    @Test
    void invalidParametersGetMessagesThatSayWhatToChange() {
        for (double s : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertMessage(() -> GaussianEvent.of(s), "noise multiplier must be a finite number > 0");
        }
        for (double q : new double[] {0, -0.1, 1.0001, Double.NaN}) {
            assertMessage(() -> PoissonSampledEvent.gaussian(q, 1), "sampling rate q must be in (0, 1]");
        }
        assertMessage(() -> new SelfComposedEvent(GaussianEvent.of(1), -1), "number of steps must be >= 0");
        assertMessage(() -> new SampledWithoutReplacementEvent(0, 10, new GaussianEvent(1, NeighbouringRelation.REPLACE_ONE)),
                "sample size b must be in [1, n=10]");
        assertMessage(() -> new SampledWithoutReplacementEvent(11, 10, new GaussianEvent(1, NeighbouringRelation.REPLACE_ONE)),
                "sample size b must be in [1, n=10]");
        assertMessage(() -> AccountantType.parse("prv2"), "unknown accountant 'prv2'; use one of rdp, pld, gaussian");
    }

    @Test
    void samplersAreTiedToTheirRelation() {
        assertMessage(() -> new SampledWithoutReplacementEvent(10, 100, GaussianEvent.of(1)), "analysed under REPLACE_ONE");
        assertMessage(() -> new PoissonSampledEvent(0.1, new GaussianEvent(1, NeighbouringRelation.REPLACE_ONE)),
                "analysed under ADD_OR_REMOVE_ONE");
    }

    @Test
    void flatteningMultipliesNestedCountsAndMergesIdenticalSteps() {
        var step = PoissonSampledEvent.gaussian(0.01, 1.1);
        var nested = ComposedEvent.of(new SelfComposedEvent(new SelfComposedEvent(step, 3), 4), step,
                new SelfComposedEvent(GaussianEvent.of(2), 0));
        FlatEvents flat = FlatEvents.of(nested);
        assertEquals(1, flat.counts().size());
        assertEquals(13L, flat.counts().get(step));
        assertEquals(NeighbouringRelation.ADD_OR_REMOVE_ONE, flat.relation().orElseThrow());
        assertTrue(FlatEvents.of(new ComposedEvent(List.of())).isEmpty());
        assertMessage(() -> FlatEvents.of(new SelfComposedEvent(new SelfComposedEvent(step, Long.MAX_VALUE / 2), 3)),
                "overflows");
    }

    @Test
    void accountantNamesParseCaseInsensitively() {
        assertEquals(AccountantType.RDP, AccountantType.parse("RDP"));
        assertEquals(AccountantType.GAUSSIAN, AccountantType.parse(" gaussian "));
    }
}
