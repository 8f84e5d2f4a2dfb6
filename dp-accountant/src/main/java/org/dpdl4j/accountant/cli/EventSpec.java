package org.dpdl4j.accountant.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import org.dpdl4j.accountant.PrivacyParameters;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * One phase of a DP-SGD schedule: {@code steps} Poisson-sampled Gaussian steps with sampling rate q and
 * noise multiplier σ, written {@code Q:S:T} on the command line.
 *
 * @param samplingRate q in (0, 1]
 * @param noiseMultiplier σ &gt; 0
 * @param steps T ≥ 0
 */
record EventSpec(double samplingRate, double noiseMultiplier, long steps) {

    EventSpec {
        PrivacyParameters.checkSamplingRate(samplingRate);
        PrivacyParameters.checkNoiseMultiplier(noiseMultiplier);
        PrivacyParameters.checkSteps(steps);
    }

    /** The event T-fold SelfComposed(PoissonSampled(q, Gaussian(σ))). */
    DpEvent toEvent() {
        return new SelfComposedEvent(PoissonSampledEvent.gaussian(samplingRate, noiseMultiplier), steps);
    }

    void writeTo(ObjectNode node) {
        node.put("sampling_rate", samplingRate);
        node.put("noise_multiplier", noiseMultiplier);
        node.put("steps", steps);
    }

    /**
     * Parses {@code Q:S:T}.
     *
     * @throws IllegalArgumentException saying what is wrong and what the form is
     */
    static EventSpec parse(String text) {
        String[] parts = text.split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("expected Q:S:T (sampling rate:noise multiplier:steps), e.g. "
                    + "0.0042667:1.1:14062, got '" + text + "'");
        }
        double q = number(parts[0], "sampling rate Q", text);
        double sigma = number(parts[1], "noise multiplier S", text);
        long steps;
        try {
            steps = Long.parseLong(parts[2].trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("steps T must be a whole number in '" + text + "', got '"
                    + parts[2] + "'");
        }
        return new EventSpec(q, sigma, steps);
    }

    private static double number(String part, String what, String text) {
        try {
            return Double.parseDouble(part.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be a number in '" + text + "', got '" + part + "'");
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s:%s:%d", samplingRate, noiseMultiplier, steps);
    }

    /** picocli converter for {@code --event}; a bad value becomes a usage error naming the option. */
    static final class Converter implements ITypeConverter<EventSpec> {
        @Override
        public EventSpec convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
