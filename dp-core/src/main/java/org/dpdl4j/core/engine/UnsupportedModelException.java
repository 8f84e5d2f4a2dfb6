package org.dpdl4j.core.engine;

/**
 * Thrown when a network cannot be trained with per-example privacy as configured (for example a
 * trainable BatchNorm, which mixes examples). The message says what to change.
 */
public class UnsupportedModelException extends IllegalArgumentException {
    public UnsupportedModelException(String message) {
        super(message);
    }
}
