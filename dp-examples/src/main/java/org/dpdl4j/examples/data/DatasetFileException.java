package org.dpdl4j.examples.data;

import java.nio.file.Path;

/**
 * A data set file is missing, unreadable or not in the expected format. The message names the file and says how to
 * obtain a good copy, because the usual cause is a missing or damaged system package rather than a program error.
 */
public final class DatasetFileException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /** Creates the exception for {@code file}. */
    public DatasetFileException(Path file, String message, Throwable cause) {
        super(message, cause);
        this.file = file;
    }

    /** Creates the exception for {@code file}. */
    public DatasetFileException(Path file, String message) {
        this(file, message, null);
    }

    /** The offending file. */
    public Path file() {
        return file;
    }
}
