package org.dpdl4j.examples.plots;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.dpdl4j.accountant.ledger.LedgerRecord;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.jfree.chart.JFreeChart;
import picocli.CommandLine.Option;

/**
 * The {@code --plots DIR} option of the examples (a picocli mixin): where they write their PNG charts.
 * File names are fixed, {@code <example>-<chart>.png}, so that a rerun replaces its own charts and several
 * examples can share one directory.
 */
public final class PlotsOption {

    @Option(names = "--plots", paramLabel = "DIR",
            description = "Also write PNG charts into DIR (created if missing), named <example>-<chart>.png.")
    Path dir;

    /** Whether charts were asked for. */
    public boolean enabled() {
        return dir != null;
    }

    /** The directory, or null when charts were not asked for. */
    public Path dir() {
        return dir;
    }

    /** Sets the directory (null: no charts), for callers that configure an example in code. */
    public void dir(Path dir) {
        this.dir = dir;
    }

    /**
     * Creates the directory and checks that it is writable, so that a bad path fails before a long run
     * rather than after it. Does nothing when charts were not asked for.
     *
     * @throws UncheckedIOException saying which path and why
     */
    public void prepare() {
        if (dir == null) {
            return;
        }
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".plots", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            throw new UncheckedIOException(Charts.cannotWrite("plots into", dir, e), e);
        }
    }

    /** Writes {@code chart} as {@code <dir>/<example>-<name>.png} at the given size and says so on {@code log}. */
    public Path write(JFreeChart chart, String example, String name, int width, int height, Consumer<String> log) {
        Path file = Charts.writePng(chart, dir.resolve(example + "-" + name + ".png"), width, height);
        log.accept("plot: " + file);
        return file;
    }

    /** Writes {@code <example>-training-curves.png}. */
    public Path write(TrainingCurves curves, String example, Consumer<String> log) {
        return write(curves.chart("Training curves, " + example), example, "training-curves", Charts.WIDTH,
                TrainingCurves.HEIGHT, log);
    }

    /**
     * Writes {@code <example>-epsilon-vs-steps.png}: ε against steps of the run recorded in {@code ledger}
     * under each method, at {@value #CURVE_POINTS} step counts.
     */
    public Path writeEpsilonCurve(Path ledger, double delta, List<EpsilonCurve.Method> methods, String example,
                                  Consumer<String> log) {
        List<LedgerRecord> records;
        try {
            records = PrivacyLedger.read(ledger);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the ledger " + ledger + " for the epsilon plot: " + e.getMessage(), e);
        }
        EpsilonCurve curve = EpsilonCurve.of(records, CURVE_POINTS, methods);
        String title = "ε against steps, " + example + " (" + EpsilonCurve.describe(records.get(0).event()) + ", δ = "
                + Charts.plain(delta) + ")";
        return write(curve.chart(title), example, "epsilon-vs-steps", Charts.WIDTH, Charts.HEIGHT, log);
    }

    /** Step counts per ε curve: enough for a smooth line, few enough that PLD takes seconds. */
    static final int CURVE_POINTS = 40;
}
