package org.dpdl4j.accountant.event;

import java.util.List;
import java.util.Objects;

/**
 * Adaptive composition of a list of possibly different mechanisms (a heterogeneous schedule, or several
 * mechanisms such as a DP-PCA fit followed by head training). Order does not change the guarantee.
 *
 * <p>Privacy assumption: each mechanism uses fresh, independent randomness and all are stated under
 * the same neighbouring relation (accountants refuse mixtures).
 *
 * @param events the composed mechanisms; may be empty (costs nothing)
 */
public record ComposedEvent(List<DpEvent> events) implements DpEvent {

    public ComposedEvent {
        Objects.requireNonNull(events, "events must not be null");
        for (DpEvent e : events) {
            Objects.requireNonNull(e, "composed events must not contain null");
        }
        events = List.copyOf(events);
    }

    public static ComposedEvent of(DpEvent... events) {
        return new ComposedEvent(List.of(events));
    }

    @Override
    public String kind() {
        return "composed";
    }
}
