package org.dpdl4j.accountant.pld;

import org.dpdl4j.accountant.EpsilonResult;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.UnsupportedEventException;
import org.dpdl4j.accountant.event.DpEvent;

/** Placeholder replaced by the PLD implementation. */
public final class PldAccountant implements PrivacyAccountant {
    public static PldAccountant withDefaults() {
        return new PldAccountant();
    }

    @Override
    public String name() {
        return "pld";
    }

    @Override
    public void checkSupported(DpEvent event) {
        throw new UnsupportedEventException("pld accountant not built yet");
    }

    @Override
    public EpsilonResult epsilon(DpEvent event, double delta) {
        throw new UnsupportedEventException("pld accountant not built yet");
    }

    @Override
    public double delta(DpEvent event, double epsilon) {
        throw new UnsupportedEventException("pld accountant not built yet");
    }
}
