package org.dpdl4j.examples.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code bin/bench}: one subcommand per benchmark. */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = {AccountantBenchmark.class, DpSgdBenchmark.class, org.dpdl4j.examples.head.HeadBenchmark.class,
        org.dpdl4j.examples.head.SparkHeadBenchmark.class},
        description = "dpdl4j benchmarks. Run them on a quiet machine: parallel builds distort timings several-fold.")
public final class Bench implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new Bench());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            System.err.println("bench: error: " + ex.getMessage());
            return 1;
        });
        System.exit(cl.execute(args));
    }
}
