package org.dpdl4j.accountant.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.GaussianEvent;

class DpEventJsonProperties {

    @Provide
    Arbitrary<DpEvent> events() {
        return EventArbitraries.events();
    }

    @Provide
    Arbitrary<GaussianEvent> gaussians() {
        return EventArbitraries.gaussians();
    }

    @Property
    void eventSurvivesJsonRoundTrip(@ForAll("events") DpEvent event) {
        assertEquals(event, DpEventJson.fromJson(DpEventJson.toJson(event)));
    }

    @Property
    void eventSurvivesVersionedDocumentRoundTrip(@ForAll("events") DpEvent event) {
        assertEquals(event, DpEventJson.fromDocument(DpEventJson.toDocument(event)));
    }

    @Property
    void encodingIsStableUnderReencoding(@ForAll("events") DpEvent event) {
        String json = DpEventJson.toJson(event);
        assertEquals(json, DpEventJson.toJson(DpEventJson.fromJson(json)));
    }

    @Property
    void noiseMultiplierBitsAreExactlyPreserved(@ForAll("gaussians") GaussianEvent event) {
        GaussianEvent back = (GaussianEvent) DpEventJson.fromJson(DpEventJson.toJson(event));
        assertEquals(Double.doubleToRawLongBits(event.noiseMultiplier()), Double.doubleToRawLongBits(back.noiseMultiplier()));
    }
}
