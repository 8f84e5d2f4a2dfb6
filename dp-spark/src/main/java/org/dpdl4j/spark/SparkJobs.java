package org.dpdl4j.spark;

import java.util.function.Supplier;

/**
 * Runs a Spark action and turns a job that failed on bad input into the {@link IllegalArgumentException}
 * thrown in the task, so callers see "row 17: label 12 is outside [0, 10)" rather than a stage-failure
 * dump. Any other failure propagates unchanged.
 *
 * <p>Privacy assumption: none; messages naming rows are for the data owner, as in {@code Inputs}.
 */
final class SparkJobs {

    private static final String MARKER = IllegalArgumentException.class.getName() + ": ";

    private SparkJobs() {
    }

    /** Throws {@code e} unchanged (a SparkException stays one) without declaring it. */
    @SuppressWarnings("unchecked")
    private static <E extends Exception> E rethrow(Exception e) throws E {
        throw (E) e;
    }

    static <T> T run(Supplier<T> action) {
        try {
            return action.get();
        } catch (Exception e) {
            // Spark's SparkException is checked in Java's eyes but thrown from methods that do not declare it.
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                if (c instanceof IllegalArgumentException bad) {
                    throw new IllegalArgumentException(bad.getMessage(), e);
                }
            }
            // A task's exception reaches the driver as text in the job's failure message, not always as a cause.
            String message = String.valueOf(e.getMessage());
            int at = message.indexOf(MARKER);
            if (at >= 0) {
                int end = message.indexOf('\n', at);
                throw new IllegalArgumentException(message.substring(at + MARKER.length(), end < 0 ? message.length() : end)
                        .trim(), e);
            }
            throw SparkJobs.<RuntimeException>rethrow(e);
        }
    }
}
