package org.dpdl4j.accountant.event;

import java.util.Objects;
import org.dpdl4j.accountant.PrivacyParameters;

/**
 * The same mechanism run {@code count} times, adaptively. Zero times is allowed and costs nothing.
 *
 * <p>Privacy assumption: each run uses fresh, independent randomness.
 *
 * @param event the repeated mechanism
 * @param count number of runs, ≥ 0
 */
public record SelfComposedEvent(DpEvent event, long count) implements DpEvent {

    public SelfComposedEvent {
        Objects.requireNonNull(event, "event must not be null");
        PrivacyParameters.checkSteps(count);
    }

    @Override
    public String kind() {
        return "self_composed";
    }
}
