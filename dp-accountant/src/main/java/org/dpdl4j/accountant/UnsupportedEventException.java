package org.dpdl4j.accountant;

/**
 * Thrown when an accountant cannot soundly bound the privacy loss of an event (an unsupported mechanism,
 * nesting or neighbouring relation). Accountants throw this rather than return a number they cannot
 * justify; the message names an accountant or event that would work.
 */
public class UnsupportedEventException extends IllegalArgumentException {
    public UnsupportedEventException(String message) {
        super(message);
    }
}
