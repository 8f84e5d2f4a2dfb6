package org.dpdl4j.accountant.ledger;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dpdl4j.accountant.event.ComposedEvent;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.FlatEvents;
import org.dpdl4j.accountant.event.NeighbouringRelation;
import org.dpdl4j.accountant.event.SelfComposedEvent;

/**
 * Immutable multiset of base events with run counts: the whole history of a ledger in a size that does
 * not grow with the number of records, so accounting a long ledger stays as cheap as accounting one step.
 *
 * <p>Privacy assumption: every accountant here treats composition as commutative, so the multiset carries
 * everything an accountant needs; mixing neighbouring relations is refused because nothing bounds it.
 */
final class EventTally {

    static final EventTally EMPTY = new EventTally(Collections.emptyMap(), null);

    private final Map<DpEvent, Long> counts;
    private final NeighbouringRelation relation;

    private EventTally(Map<DpEvent, Long> counts, NeighbouringRelation relation) {
        this.counts = counts;
        this.relation = relation;
    }

    /**
     * This tally with the event added.
     *
     * @throws IllegalArgumentException if the event's relation differs from the tally's or a count overflows
     */
    EventTally plus(DpEvent event) {
        FlatEvents flat = FlatEvents.of(event);
        if (flat.isEmpty()) {
            return this;
        }
        return merge(flat.counts(), flat.relation().orElseThrow());
    }

    /** The union of both tallies (composition of both histories). */
    EventTally plus(EventTally other) {
        if (other.counts.isEmpty()) {
            return this;
        }
        return merge(other.counts, other.relation);
    }

    private EventTally merge(Map<DpEvent, Long> more, NeighbouringRelation moreRelation) {
        if (relation != null && relation != moreRelation) {
            throw new IllegalArgumentException("cannot compose events stated under different neighbouring relations ("
                    + relation + " so far, " + moreRelation + " added): state all mechanisms under one relation, "
                    + "e.g. convert the replace-one noise multiplier of a full-batch step for add/remove-one");
        }
        Map<DpEvent, Long> merged = new LinkedHashMap<>(counts);
        for (Map.Entry<DpEvent, Long> e : more.entrySet()) {
            merged.merge(e.getKey(), e.getValue(), (a, b) -> {
                try {
                    return Math.addExact(a, b);
                } catch (ArithmeticException overflow) {
                    throw new IllegalArgumentException("number of composed steps of " + e.getKey().kind()
                            + " overflows a long (" + a + " + " + b + ")");
                }
            });
        }
        return new EventTally(Collections.unmodifiableMap(merged), moreRelation);
    }

    /** A flat {@link ComposedEvent} of one {@link SelfComposedEvent} per distinct base event. */
    DpEvent toEvent() {
        List<DpEvent> parts = new ArrayList<>(counts.size());
        for (Map.Entry<DpEvent, Long> e : counts.entrySet()) {
            parts.add(new SelfComposedEvent(e.getKey(), e.getValue()));
        }
        return new ComposedEvent(parts);
    }

    /** Distinct base events with their run counts, in first-recorded order (unmodifiable). */
    Map<DpEvent, Long> counts() {
        return counts;
    }
}
