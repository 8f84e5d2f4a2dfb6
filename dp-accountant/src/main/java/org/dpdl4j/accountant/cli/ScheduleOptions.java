package org.dpdl4j.accountant.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.dpdl4j.accountant.event.ComposedEvent;
import org.dpdl4j.accountant.event.DpEvent;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The schedule being accounted: either {@code --sampling-rate/--noise-multiplier/--steps} for one
 * homogeneous phase, or one or more {@code --event Q:S:T} for a schedule whose q or σ changes.
 */
final class ScheduleOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--sampling-rate", paramLabel = "Q",
            description = "Poisson sampling rate q in (0, 1]: expected batch size / dataset size (1 = full batch).")
    Double samplingRate;

    @Option(names = "--noise-multiplier", paramLabel = "S",
            description = "Noise multiplier σ > 0: noise std / clipping norm.")
    Double noiseMultiplier;

    @Option(names = "--steps", paramLabel = "T", description = "Number of training steps T >= 0.")
    Long steps;

    @Option(names = "--event", paramLabel = "Q:S:T", converter = EventSpec.Converter.class,
            description = "A phase of T steps at sampling rate Q and noise multiplier S; repeat for a "
                    + "heterogeneous schedule (the phases compose). Replaces the three flags above.")
    List<EventSpec> events = new ArrayList<>();

    /** The phases asked for, validated. */
    List<EventSpec> phases() {
        boolean anySingle = samplingRate != null || noiseMultiplier != null || steps != null;
        if (!events.isEmpty()) {
            if (anySingle) {
                throw invalid("--event replaces --sampling-rate, --noise-multiplier and --steps; give either "
                        + "--event Q:S:T (repeatable) or the three single flags, not both");
            }
            return List.copyOf(events);
        }
        List<String> missing = new ArrayList<>();
        if (samplingRate == null) {
            missing.add("--sampling-rate");
        }
        if (noiseMultiplier == null) {
            missing.add("--noise-multiplier");
        }
        if (steps == null) {
            missing.add("--steps");
        }
        if (!missing.isEmpty()) {
            throw invalid("missing " + String.join(", ", missing) + "; give --sampling-rate Q, --noise-multiplier S "
                    + "and --steps T, or one or more --event Q:S:T");
        }
        try {
            return List.of(new EventSpec(samplingRate, noiseMultiplier, steps));
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
    }

    /** The event the phases describe: one phase as is, several composed. */
    static DpEvent event(List<EventSpec> phases) {
        if (phases.size() == 1) {
            return phases.get(0).toEvent();
        }
        return new ComposedEvent(phases.stream().map(EventSpec::toEvent).toList());
    }

    static void writePhases(ObjectNode node, List<EventSpec> phases) {
        ArrayNode array = node.putArray("events");
        phases.forEach(p -> p.writeTo(array.addObject()));
    }

    private InvalidInputException invalid(String message) {
        return new InvalidInputException(mixee.commandLine(), message);
    }
}
