package org.dpdl4j.accountant.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.PrivacyParameters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dp-accountant curve}: ε as a function of the number of steps, as CSV and optionally PNG. */
@Command(name = "curve", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Write epsilon against steps (1..T) as CSV (header steps,epsilon) and optionally a PNG chart.")
final class CurveCommand extends CliCommand {

    /** How the step counts are spread over 1..T. */
    enum Spacing { log, linear }

    @Option(names = "--sampling-rate", paramLabel = "Q", required = true,
            description = "Poisson sampling rate q in (0, 1]: expected batch size / dataset size.")
    double samplingRate;

    @Option(names = "--noise-multiplier", paramLabel = "S", required = true,
            description = "Noise multiplier σ > 0: noise std / clipping norm.")
    double noiseMultiplier;

    @Option(names = "--steps", paramLabel = "T", required = true, description = "Last step count T >= 1.")
    long steps;

    @Option(names = "--delta", paramLabel = "D", required = true, description = "Target delta in (0, 1), e.g. 1e-5.")
    double delta;

    @Option(names = "--points", paramLabel = "N", defaultValue = "50",
            description = "Number of step counts in 1..T, T included (default: ${DEFAULT-VALUE}; fewer when T < N).")
    int points;

    @Option(names = "--spacing", paramLabel = "KIND", defaultValue = "log",
            description = "Spacing of the step counts: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Spacing spacing;

    @Mixin
    AccountantOptions accountantOptions;

    @Option(names = "--csv", paramLabel = "FILE", required = true, description = "CSV file to write.")
    Path csv;

    @Option(names = "--png", paramLabel = "FILE", description = "PNG chart to write.")
    Path png;

    /** One row of the curve. */
    record Point(long steps, double epsilon) {
    }

    @Override
    public Integer call() {
        checked(() -> PrivacyParameters.checkSamplingRate(samplingRate));
        checked(() -> PrivacyParameters.checkNoiseMultiplier(noiseMultiplier));
        checked(() -> PrivacyParameters.checkDelta(delta));
        if (steps < 1) {
            throw invalid("steps must be >= 1 for a curve, got " + steps);
        }
        if (points < 1) {
            throw invalid("--points must be >= 1, got " + points);
        }
        PrivacyAccountant accountant = accountantOptions.create();
        List<Point> curve = new ArrayList<>();
        for (long t : stepGrid(steps, points, spacing)) {
            double eps = accountant.epsilon(new EventSpec(samplingRate, noiseMultiplier, t).toEvent(), delta).epsilon();
            curve.add(new Point(t, eps));
        }
        writeCsv(curve);
        if (png != null) {
            String title = CurveChart.title(samplingRate, noiseMultiplier, delta, accountant.name());
            try {
                CurveChart.writePng(png, curve, title, spacing == Spacing.log);
            } catch (IOException e) {
                throw cannotWrite("PNG", png, e);
            }
        }
        if (json) {
            ObjectNode node = Json.object();
            node.put("accountant", accountant.name());
            node.put("delta", delta);
            node.put("sampling_rate", samplingRate);
            node.put("noise_multiplier", noiseMultiplier);
            node.put("csv", csv.toString());
            if (png != null) {
                node.put("png", png.toString());
            }
            ArrayNode rows = node.putArray("points");
            curve.forEach(p -> rows.addObject().put("steps", p.steps()).put("epsilon", p.epsilon()));
            Json.print(out(), node);
        } else {
            out().println("wrote " + curve.size() + " rows to " + csv);
            if (png != null) {
                out().println("wrote chart to " + png);
            }
        }
        return 0;
    }

    /**
     * At most {@code n} distinct step counts in 1..t, always ending at t. Log spacing shows the early,
     * steep part of the curve; rounding to whole steps can merge neighbours, hence "at most".
     */
    static long[] stepGrid(long t, int n, Spacing spacing) {
        TreeSet<Long> grid = new TreeSet<>();
        grid.add(t);
        if (n > 1) {
            for (int i = 0; i < n; i++) {
                double f = (double) i / (n - 1);
                double x = spacing == Spacing.log ? Math.exp(f * Math.log(t)) : 1 + f * (t - 1);
                grid.add(Math.max(1, Math.min(t, Math.round(x))));
            }
        }
        return grid.stream().mapToLong(Long::longValue).toArray();
    }

    private void writeCsv(List<Point> curve) {
        try (BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            w.write("steps,epsilon\n");
            for (Point p : curve) {
                w.write(p.steps() + "," + p.epsilon() + "\n");
            }
        } catch (IOException e) {
            throw cannotWrite("CSV", csv, e);
        }
    }

    private static CliFailure cannotWrite(String what, Path file, IOException e) {
        String reason;
        if (e instanceof NoSuchFileException) {
            reason = "its directory does not exist";
        } else if (e instanceof AccessDeniedException) {
            reason = "permission denied";
        } else {
            reason = e.getMessage();
        }
        return new CliFailure("cannot write " + what + " file '" + file + "': " + reason
                + "; choose a writable path", e);
    }
}
