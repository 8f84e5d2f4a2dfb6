package org.dpdl4j.accountant.event;

/**
 * A differentially private mechanism whose privacy cost an accountant can compute, in the spirit of
 * dp_accounting's event algebra. Events are immutable values: two events with the same parameters are
 * equal, which lets accountants group identical steps.
 *
 * <p>Privacy assumption: an event describes what was actually run. The sampler that produced a batch
 * must be the one named by the event (Poisson vs. fixed-size), otherwise the accounted number does not
 * bound the real loss.
 */
public sealed interface DpEvent
        permits GaussianEvent, PoissonSampledEvent, SampledWithoutReplacementEvent, SelfComposedEvent, ComposedEvent {

    /** Short machine-readable name of the event type, used in ledgers and messages. */
    String kind();
}
