package org.dpdl4j.accountant.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.dpdl4j.accountant.LibraryVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Entry point of the {@code dp-accountant} command-line tool.
 *
 * <p>Exit codes: 0 on success, 2 for a usage error (unknown or missing option, value out of range,
 * malformed {@code --event}), 1 for any other failure (an accountant that cannot bound the schedule, a
 * file that cannot be written). Errors are one line on stderr: {@code dp-accountant: error: <message>}.
 *
 * <p>Use {@link #run(PrintWriter, PrintWriter, String...)} to run it in-process (tests, embedding);
 * {@link #main(String[])} exits the JVM.
 */
@Command(name = "dp-accountant", mixinStandardHelpOptions = true, versionProvider = DpAccountantCli.Version.class,
        description = "Privacy accounting for DP-SGD: epsilon, delta, noise calibration, step budgets and "
                + "epsilon curves for Poisson-sampled Gaussian schedules.",
        subcommands = {
                EpsilonCommand.class,
                DeltaCommand.class,
                NoiseCommand.class,
                StepsCommand.class,
                CurveCommand.class,
                LedgerCommand.class,
                CommandLine.HelpCommand.class,
        },
        footer = {"", "Examples:",
                "  dp-accountant epsilon --sampling-rate 0.0042667 --noise-multiplier 1.1 \\",
                "      --steps 14062 --delta 1e-5",
                "  dp-accountant epsilon --event 0.01:1.0:1000 --event 0.02:1.5:500 \\",
                "      --delta 1e-5 --json",
                "  dp-accountant noise --target-epsilon 3 --delta 1e-5 \\",
                "      --sampling-rate 0.0042667 --steps 14062",
                "  dp-accountant ledger run/privacy-ledger.jsonl --delta 1e-5 --accountant pld",
                "  dp-accountant curve --sampling-rate 0.0042667 --noise-multiplier 1.1 \\",
                "      --steps 14062 --delta 1e-5 --csv eps.csv --png eps.png",
                "",
                "Exit codes: 0 success, 1 failure, 2 usage error (one line on stderr)."})
public final class DpAccountantCli implements Callable<Integer> {

    /** Prefix of every error line, so that scripts and users can tell which tool failed. */
    static final String ERROR_PREFIX = "dp-accountant: error: ";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs the tool and exits the JVM with its exit code. */
    public static void main(String[] args) {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        System.exit(newCommandLine().execute(args));
    }

    /**
     * Runs the tool in-process.
     *
     * @return the exit code: 0 success, 1 failure, 2 usage error
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = newCommandLine();
        cl.setOut(out);
        cl.setErr(err);
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** A command line with the one-line error handlers installed. */
    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new DpAccountantCli());
        cl.setParameterExceptionHandler(new UsageErrorHandler());
        cl.setExecutionExceptionHandler(new FailureHandler());
        return cl;
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command; use one of "
                + String.join(", ", commandNames(spec.commandLine())));
    }

    private static List<String> commandNames(CommandLine cl) {
        return cl.getSubcommands().keySet().stream().filter(n -> !n.equals("help")).toList();
    }

    /** One line, however the message was built. */
    static String oneLine(String message) {
        return message == null ? "" : message.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    /** Reports usage errors (exit code 2) on one line, with a pointer to the help of the command at fault. */
    static final class UsageErrorHandler implements IParameterExceptionHandler {
        @Override
        public int handleParseException(ParameterException ex, String[] args) {
            CommandLine cl = ex.getCommandLine();
            StringBuilder line = new StringBuilder(ERROR_PREFIX);
            if (ex instanceof UnmatchedArgumentException u && cl.getCommandSpec().parent() == null
                    && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
                // picocli would list every argument after a mistyped command; the command is what is wrong.
                line.append("unknown command '").append(u.getUnmatched().get(0)).append("'; use one of ")
                        .append(String.join(", ", commandNames(cl)));
            } else {
                line.append(oneLine(ex.getMessage()));
            }
            if (ex instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
                line.append("; did you mean ").append(String.join(" or ", u.getSuggestions())).append('?');
            }
            if (!(ex instanceof InvalidInputException)) {
                line.append(" (see '").append(cl.getCommandSpec().qualifiedName()).append(" --help')");
            }
            cl.getErr().println(line);
            cl.getErr().flush();
            return CommandLine.ExitCode.USAGE;
        }
    }

    /**
     * Reports failures during a computation (exit code 1) on one line. Library exceptions carry messages
     * written for users; anything else is a bug, named as such rather than dumped as a stack trace.
     */
    static final class FailureHandler implements IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parseResult) {
            String message;
            if (ex instanceof IllegalArgumentException || ex instanceof CliFailure
                    || ex instanceof IllegalStateException) {
                message = oneLine(ex.getMessage());
            } else {
                message = "internal error (" + ex.getClass().getSimpleName() + ": " + oneLine(ex.getMessage())
                        + "); please report it with the command line you ran";
            }
            cl.getErr().println(ERROR_PREFIX + message);
            cl.getErr().flush();
            return CommandLine.ExitCode.SOFTWARE;
        }
    }

    /** {@code --version}: the library version the jar was built from. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"dp-accountant (dpdl4j) " + LibraryVersion.get()};
        }
    }
}
