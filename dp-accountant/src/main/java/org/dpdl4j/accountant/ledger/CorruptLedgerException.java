package org.dpdl4j.accountant.ledger;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A ledger file that cannot be trusted as a complete record of spent privacy: a truncated or invalid
 * line, a sequence gap, or content this version cannot read. The message names the file, the line and
 * what to do.
 *
 * <p>Privacy assumption: none. Every line is privacy that was spent, so a damaged ledger is reported and
 * never read around; dropping a line would understate ε.
 */
public final class CorruptLedgerException extends IOException {

    private final Path file;
    private final long lineNumber;
    private final String problem;

    CorruptLedgerException(Path file, long lineNumber, String problem, String advice, Throwable cause) {
        super("privacy ledger " + file + " is corrupt at line " + lineNumber + ": " + problem + ". " + advice, cause);
        this.file = file;
        this.lineNumber = lineNumber;
        this.problem = problem;
    }

    /** The ledger file. */
    public Path file() {
        return file;
    }

    /** 1-based number of the first bad line. */
    public long lineNumber() {
        return lineNumber;
    }

    /** What is wrong with the line, without the advice. */
    public String problem() {
        return problem;
    }
}
