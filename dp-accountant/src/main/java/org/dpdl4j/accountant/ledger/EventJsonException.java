package org.dpdl4j.accountant.ledger;

/**
 * Thrown when JSON does not describe a valid {@link org.dpdl4j.accountant.event.DpEvent}. The message
 * and {@link #field()} name the offending field as a path such as {@code event.events[1].sampling_rate},
 * so that a hand-edited or damaged ledger can be fixed without guessing.
 *
 * <p>Privacy assumption: none; refusing to guess is what keeps a misread event from understating the
 * privacy cost.
 */
public final class EventJsonException extends IllegalArgumentException {

    private final String field;

    EventJsonException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
    }

    EventJsonException(String field, String problem, Throwable cause) {
        super(field + ": " + problem, cause);
        this.field = field;
    }

    /** Path of the offending field, e.g. {@code event.event.noise_multiplier}. */
    public String field() {
        return field;
    }
}
