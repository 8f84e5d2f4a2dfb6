package org.dpdl4j.accountant.cli;

/**
 * A failure after the input was accepted (a file that cannot be written, a target no noise reaches),
 * whose message is already fit to show the user. Reported with exit code 1.
 */
final class CliFailure extends RuntimeException {

    CliFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
