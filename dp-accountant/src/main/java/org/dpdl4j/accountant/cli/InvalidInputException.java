package org.dpdl4j.accountant.cli;

import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * A value that parsed but is not acceptable (σ ≤ 0, δ outside (0, 1), conflicting flags). It is a
 * {@link ParameterException} so that picocli reports it like any other usage error (exit code 2); its
 * own type tells the handler that the message already says what to change.
 */
final class InvalidInputException extends ParameterException {

    InvalidInputException(CommandLine commandLine, String message) {
        super(commandLine, message);
    }
}
