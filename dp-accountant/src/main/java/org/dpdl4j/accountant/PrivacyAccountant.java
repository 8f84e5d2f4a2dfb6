package org.dpdl4j.accountant;

import org.dpdl4j.accountant.event.DpEvent;

/**
 * Computes (ε, δ) guarantees for {@link DpEvent}s. Implementations are stateless and thread-safe: the
 * whole history is passed as one (composed) event, which is what makes a ledger re-accountable.
 *
 * <p>Privacy assumption: the event describes the mechanism that actually ran. An implementation throws
 * {@link UnsupportedEventException} for any event or relation it cannot bound soundly.
 */
public interface PrivacyAccountant {

    /** Short name: {@code rdp}, {@code pld} or {@code gaussian}. */
    String name();

    /**
     * Throws {@link UnsupportedEventException} with an explanation if this accountant cannot bound the
     * event; returns normally otherwise.
     */
    void checkSupported(DpEvent event);

    /**
     * The smallest ε this accountant can guarantee for the event at the given δ.
     *
     * @param delta δ in (0, 1)
     */
    EpsilonResult epsilon(DpEvent event, double delta);

    /**
     * An upper bound on δ at the given ε.
     *
     * @param epsilon ε ≥ 0
     */
    double delta(DpEvent event, double epsilon);
}
