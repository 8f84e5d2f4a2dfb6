package org.dpdl4j.examples;

import org.dpdl4j.examples.fashion.DpSgdFashionMnist;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code bin/example}: one subcommand per runnable example. */
@Command(name = "example", mixinStandardHelpOptions = true, subcommands = {DpSgdFashionMnist.class, org.dpdl4j.examples.head.PrivateHeadFashionMnist.class,
        org.dpdl4j.examples.scatter.ScatterNetHeadFashionMnist.class, org.dpdl4j.examples.scatter.ScatterNetCnnFashionMnist.class},
        description = "Runnable dpdl4j examples on real data.")
public final class Examples implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new Examples());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            System.err.println("example: error: " + ex.getMessage());
            return 1;
        });
        System.exit(cl.execute(args));
    }
}
