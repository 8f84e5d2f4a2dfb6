package org.dpdl4j.examples;

import org.dpdl4j.examples.fashion.DpSgdFashionMnist;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code bin/example}: one subcommand per runnable example. */
@Command(name = "example", mixinStandardHelpOptions = true, subcommands = {DpSgdFashionMnist.class, org.dpdl4j.examples.head.PrivateHeadFashionMnist.class,
        org.dpdl4j.examples.head.SparkHeadFashionMnist.class,
        org.dpdl4j.examples.audit.AuditCommand.class, org.dpdl4j.examples.shift.ShiftBenchmark.class,
        org.dpdl4j.examples.scatter.ScatterNetHeadFashionMnist.class, org.dpdl4j.examples.scatter.ScatterNetCnnFashionMnist.class},
        description = "Runnable dpdl4j examples on real data, the privacy audit and the distribution-shift benchmark.")
public final class Examples implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs an example and returns the exit status: 1 with one "example: error: ..." line on standard error on failure. */
    static int run(String... args) {
        CommandLine cl = new CommandLine(new Examples());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            System.err.println("example: error: " + ex.getMessage());
            return 1;
        });
        return cl.execute(args);
    }
}
