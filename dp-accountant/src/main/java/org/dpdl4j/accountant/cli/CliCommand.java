package org.dpdl4j.accountant.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.dpdl4j.accountant.EpsilonResult;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What every subcommand shares: {@code --json}, the output stream and input validation. */
abstract class CliCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** A usage error (exit code 2) with a message that says what to change. */
    InvalidInputException invalid(String message) {
        return new InvalidInputException(spec.commandLine(), message);
    }

    /**
     * Runs a library argument check and turns its IllegalArgumentException into a usage error, so the
     * CLI reports bad values with the very messages the API uses.
     */
    <T> T checked(Supplier<T> check) {
        try {
            return check.get();
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
    }

    /** Text lines for an ε result: ε, δ, accountant, order or error bound, then the notes. */
    void printResult(EpsilonResult r) {
        PrintWriter out = out();
        out.println(String.format(Locale.ROOT, "epsilon: %.6f", r.epsilon()));
        out.println(String.format(Locale.ROOT, "delta: %s", r.delta()));
        out.println("accountant: " + r.accountant());
        if (r.hasOrder()) {
            out.println("order: " + r.order());
        } else if (r.errorBound() > 0) {
            out.println(String.format(Locale.ROOT, "error_bound: %.3g", r.errorBound()));
        }
        printNotes(r);
    }

    void printNotes(EpsilonResult r) {
        for (String note : r.notes()) {
            out().println(note.startsWith("warning") ? note : "note: " + note);
        }
    }
}
