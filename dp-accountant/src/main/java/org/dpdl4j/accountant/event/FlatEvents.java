package org.dpdl4j.accountant.event;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An event expanded into its distinct base mechanisms with the number of times each runs. Compositions
 * are commutative for every accountant here, so this multiset is all an accountant needs.
 *
 * <p>Privacy assumption: composition is adaptive but each run uses fresh randomness; the flattening
 * refuses to mix neighbouring relations because no guarantee holds for such a mixture.
 */
public final class FlatEvents {

    private final Map<DpEvent, Long> counts;
    private final NeighbouringRelation relation;

    private FlatEvents(Map<DpEvent, Long> counts, NeighbouringRelation relation) {
        this.counts = Collections.unmodifiableMap(counts);
        this.relation = relation;
    }

    /**
     * Expands compositions. Base mechanisms are {@link GaussianEvent}, {@link PoissonSampledEvent} and
     * {@link SampledWithoutReplacementEvent}; identical base events are merged.
     *
     * @throws IllegalArgumentException if the event mixes neighbouring relations or a count overflows
     */
    public static FlatEvents of(DpEvent event) {
        Map<DpEvent, Long> counts = new LinkedHashMap<>();
        collect(event, 1L, counts);
        NeighbouringRelation relation = null;
        for (DpEvent base : counts.keySet()) {
            NeighbouringRelation r = relationOf(base);
            if (relation == null) {
                relation = r;
            } else if (relation != r) {
                throw new IllegalArgumentException("cannot compose events stated under different neighbouring relations ("
                        + relation + " and " + r + "): state all of them under one relation");
            }
        }
        return new FlatEvents(counts, relation);
    }

    private static void collect(DpEvent event, long multiplicity, Map<DpEvent, Long> counts) {
        if (multiplicity == 0) {
            return;
        }
        if (event instanceof SelfComposedEvent s) {
            collect(s.event(), multiplyChecked(multiplicity, s.count()), counts);
        } else if (event instanceof ComposedEvent c) {
            for (DpEvent e : c.events()) {
                collect(e, multiplicity, counts);
            }
        } else {
            counts.merge(event, multiplicity, FlatEvents::addChecked);
        }
    }

    /** The neighbouring relation a base event is analysed under. */
    public static NeighbouringRelation relationOf(DpEvent base) {
        if (base instanceof GaussianEvent g) {
            return g.relation();
        } else if (base instanceof PoissonSampledEvent) {
            return NeighbouringRelation.ADD_OR_REMOVE_ONE;
        } else if (base instanceof SampledWithoutReplacementEvent) {
            return NeighbouringRelation.REPLACE_ONE;
        } else if (base instanceof SelfComposedEvent s) {
            return relationOf(s.event());
        }
        throw new IllegalArgumentException("a composed event has no single relation");
    }

    private static long multiplyChecked(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("number of composed steps overflows a long (" + a + " x " + b + ")");
        }
    }

    private static long addChecked(long a, long b) {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("number of composed steps overflows a long (" + a + " + " + b + ")");
        }
    }

    /** Distinct base events with their run counts, in first-seen order. */
    public Map<DpEvent, Long> counts() {
        return counts;
    }

    /** The common relation, empty when nothing runs. */
    public Optional<NeighbouringRelation> relation() {
        return Optional.ofNullable(relation);
    }

    /** True when no mechanism runs at all (empty compositions or zero counts). */
    public boolean isEmpty() {
        return counts.isEmpty();
    }

    /** Total number of base-mechanism runs. */
    public long totalCount() {
        long total = 0;
        for (long c : counts.values()) {
            total = addChecked(total, c);
        }
        return total;
    }
}
