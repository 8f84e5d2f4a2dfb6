package org.dpdl4j.core.training;

/**
 * A per-example gradient was NaN or infinite. Such a gradient cannot be clipped and would poison the
 * noised sum, so the step fails loudly before any update instead of silently dropping the example.
 * The step's ledger record is kept (over-counting is safe; under-counting is not).
 */
public class NonFiniteGradientException extends ArithmeticException {

    private final long step;

    public NonFiniteGradientException(String message, long step) {
        super(message);
        this.step = step;
    }

    /** The index of the failed step. */
    public long step() {
        return step;
    }
}
