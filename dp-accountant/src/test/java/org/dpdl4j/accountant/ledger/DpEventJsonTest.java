package org.dpdl4j.accountant.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dpdl4j.accountant.event.ComposedEvent;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.NeighbouringRelation;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SampledWithoutReplacementEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import org.junit.jupiter.api.Test;

class DpEventJsonTest {

    private static final String POISSON = "{\"type\":\"poisson_sampled\",\"sampling_rate\":0.004,\"event\":"
            + "{\"type\":\"gaussian\",\"noise_multiplier\":1.1,\"relation\":\"add_or_remove_one\"}}";

    @Test
    void writesTheDocumentedForm() {
        assertEquals(POISSON, DpEventJson.toJson(PoissonSampledEvent.gaussian(0.004, 1.1)));
        assertEquals("{\"type\":\"composed\",\"events\":[{\"type\":\"self_composed\",\"count\":3,\"event\":"
                        + "{\"type\":\"sampled_without_replacement\",\"sample_size\":64,\"population_size\":60000,"
                        + "\"event\":{\"type\":\"gaussian\",\"noise_multiplier\":0.55,\"relation\":\"replace_one\"}}}]}",
                DpEventJson.toJson(ComposedEvent.of(new SelfComposedEvent(new SampledWithoutReplacementEvent(64, 60000,
                        new GaussianEvent(0.55, NeighbouringRelation.REPLACE_ONE)), 3))));
        assertEquals("{\"format_version\":1,\"event\":" + POISSON + "}",
                DpEventJson.toDocument(PoissonSampledEvent.gaussian(0.004, 1.1)));
    }

    @Test
    void readsTheDocumentedFormWithAnyFieldOrderAndWhitespace() {
        String reordered = "{ \"event\": {\"relation\":\"add_or_remove_one\", \"noise_multiplier\": 1.1, "
                + "\"type\":\"gaussian\"},\n \"sampling_rate\": 0.004, \"type\": \"poisson_sampled\" }";
        assertEquals(PoissonSampledEvent.gaussian(0.004, 1.1), DpEventJson.fromJson(reordered));
    }

    @Test
    void missingFieldIsNamedWithItsPath() {
        EventJsonException e = assertThrows(EventJsonException.class, () -> DpEventJson.fromJson(
                "{\"type\":\"poisson_sampled\",\"sampling_rate\":0.004,\"event\":{\"type\":\"gaussian\","
                        + "\"relation\":\"add_or_remove_one\"}}"));
        assertEquals("event.event.noise_multiplier", e.field());
        assertTrue(e.getMessage().contains("missing field"), e.getMessage());

        e = assertThrows(EventJsonException.class, () -> DpEventJson.fromJson("{\"noise_multiplier\":1.0}"));
        assertEquals("event.type", e.field());

        e = assertThrows(EventJsonException.class, () -> DpEventJson.fromJson(
                "{\"type\":\"composed\",\"events\":[" + POISSON + ",{\"type\":\"self_composed\",\"event\":" + POISSON + "}]}"));
        assertEquals("event.events[1].count", e.field());
    }

    @Test
    void unknownTypeIsRefusedWithTheKnownTypes() {
        EventJsonException e = assertThrows(EventJsonException.class,
                () -> DpEventJson.fromJson("{\"type\":\"laplace\",\"scale\":1.0}"));
        assertEquals("event.type", e.field());
        assertTrue(e.getMessage().contains("'laplace'") && e.getMessage().contains("poisson_sampled"), e.getMessage());
    }

    @Test
    void unknownFieldIsRefusedRatherThanIgnored() {
        EventJsonException e = assertThrows(EventJsonException.class, () -> DpEventJson.fromJson(
                "{\"type\":\"gaussian\",\"noise_multiplier\":1.0,\"relation\":\"replace_one\",\"sensitivity\":2}"));
        assertEquals("event.sensitivity", e.field());
    }

    @Test
    void mistypedAndOutOfRangeValuesAreRefused() {
        EventJsonException e = assertThrows(EventJsonException.class, () -> DpEventJson.fromJson(
                "{\"type\":\"gaussian\",\"noise_multiplier\":\"1.0\",\"relation\":\"replace_one\"}"));
        assertEquals("event.noise_multiplier", e.field());

        e = assertThrows(EventJsonException.class, () -> DpEventJson.fromJson(
                "{\"type\":\"gaussian\",\"noise_multiplier\":1.0,\"relation\":\"neighbours\"}"));
        assertEquals("event.relation", e.field());
        assertTrue(e.getMessage().contains("replace_one"), e.getMessage());

        e = assertThrows(EventJsonException.class, () -> DpEventJson.fromJson(
                "{\"type\":\"self_composed\",\"count\":2.5,\"event\":" + POISSON + "}"));
        assertEquals("event.count", e.field());

        e = assertThrows(EventJsonException.class, () -> DpEventJson.fromJson(POISSON.replace("0.004", "1.5")));
        assertEquals("event", e.field());
        assertTrue(e.getMessage().contains("sampling rate"), e.getMessage());

        e = assertThrows(EventJsonException.class, () -> DpEventJson.fromJson(
                "{\"type\":\"composed\",\"events\":{}}"));
        assertEquals("event.events", e.field());
    }

    @Test
    void malformedJsonIsRefused() {
        assertThrows(EventJsonException.class, () -> DpEventJson.fromJson(POISSON.substring(0, 40)));
        assertThrows(EventJsonException.class, () -> DpEventJson.fromJson(POISSON + " {}"));
        assertThrows(EventJsonException.class, () -> DpEventJson.fromJson(
                "{\"type\":\"gaussian\",\"noise_multiplier\":1.0,\"noise_multiplier\":9.0,\"relation\":\"replace_one\"}"));
        assertThrows(EventJsonException.class, () -> DpEventJson.fromJson("[]"));
        assertThrows(EventJsonException.class, () -> DpEventJson.fromJson(null));
    }

    @Test
    void documentOfAnotherVersionIsRefused() {
        EventJsonException e = assertThrows(EventJsonException.class,
                () -> DpEventJson.fromDocument("{\"format_version\":2,\"event\":" + POISSON + "}"));
        assertEquals("format_version", e.field());
        e = assertThrows(EventJsonException.class, () -> DpEventJson.fromDocument("{\"event\":" + POISSON + "}"));
        assertEquals("format_version", e.field());
    }
}
