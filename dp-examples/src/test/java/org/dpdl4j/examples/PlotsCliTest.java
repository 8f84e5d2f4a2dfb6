package org.dpdl4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.dpdl4j.examples.data.RealData;
import org.dpdl4j.examples.plots.Charts;
import org.dpdl4j.examples.plots.PngAssertions;
import org.dpdl4j.examples.plots.TrainingCurves;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/example ... --plots DIR} on tiny subsets of the real Fashion-MNIST writes exactly the charts it
 * names, as readable PNGs; a directory that cannot be written fails before any training.
 */
class PlotsCliTest {

    @TempDir
    Path dir;

    /** What a run printed on standard output and its exit status. */
    private record Run(int status, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int status;
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            status = Examples.run(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new Run(status, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    private static List<String> names(Path plots) throws IOException {
        try (Stream<Path> s = Files.list(plots)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void dpSgdWritesTrainingCurvesAndTheEpsilonCurve() throws IOException {
        RealData.assumeAvailable();
        Path plots = dir.resolve("plots");
        Run r = run("dpsgd-fashion-mnist", "--train-subset", "1000", "--test-subset", "500", "--epochs", "2",
                "--batch", "250", "--physical-batch", "250", "--ledger", dir.resolve("l.jsonl").toString(),
                "--plots", plots.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(List.of("dpsgd-fashion-mnist-epsilon-vs-steps.png", "dpsgd-fashion-mnist-training-curves.png"),
                names(plots));
        PngAssertions.assertPng(plots.resolve("dpsgd-fashion-mnist-training-curves.png"), Charts.WIDTH, TrainingCurves.HEIGHT);
        PngAssertions.assertPng(plots.resolve("dpsgd-fashion-mnist-epsilon-vs-steps.png"), Charts.WIDTH, Charts.HEIGHT);
        assertTrue(r.err().contains("plot: " + plots.resolve("dpsgd-fashion-mnist-training-curves.png")), r.err());
    }

    @Test
    void privateHeadSweepWritesAccuracyAgainstEpsilonAndPrintsTheComposition() throws IOException {
        RealData.assumeAvailable();
        Path plots = dir.resolve("plots");
        Path out = dir.resolve("out");
        Run r = run("private-head", "--public-size", "500", "--private-size", "1000", "--test-size", "500",
                "--pretrain-epochs", "1", "--pca", "16", "--steps", "20", "--epsilons", "1,4",
                "--cache-dir", dir.resolve("cache").toString(), "--out", out.toString(), "--plots", plots.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(List.of("private-head-accuracy-vs-epsilon.png"), names(plots));
        PngAssertions.assertPng(plots.resolve("private-head-accuracy-vs-epsilon.png"), Charts.WIDTH, Charts.HEIGHT);
        assertTrue(Files.exists(out.resolve("ledger-eps-1.jsonl")) && Files.exists(out.resolve("ledger-eps-4.jsonl")),
                "one ledger per head");
        assertFalse(Files.exists(out.resolve("bundle")), "a sweep exports no model");
        assertTrue(r.out().contains("each is a separate release"), r.out());
        assertTrue(r.out().contains("releasing all 2 heads spends their composition: epsilon "), r.out());
        assertTrue(r.out().contains("non-private head"), r.out());
    }

    @Test
    void scatterNetCnnWritesTrainingCurvesAndTheThreeEpsilonCurves() throws IOException {
        RealData.assumeAvailable();
        Path plots = dir.resolve("plots");
        Run r = run("scatternet-cnn", "--train-subset", "400", "--test-subset", "200", "--epochs", "1", "--batch", "200",
                "--ledger", dir.resolve("l.jsonl").toString(), "--plots", plots.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(List.of("scatternet-cnn-epsilon-vs-steps.png", "scatternet-cnn-training-curves.png"), names(plots));
        PngAssertions.assertPng(plots.resolve("scatternet-cnn-epsilon-vs-steps.png"), Charts.WIDTH, Charts.HEIGHT);
    }

    @Test
    void anUnwritablePlotsDirectoryFailsBeforeTraining() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        Run r = run("dpsgd-fashion-mnist", "--plots", file.resolve("plots").toString());
        assertEquals(1, r.status());
        assertTrue(r.err().strip().startsWith("example: error: cannot write plots into '" + file.resolve("plots") + "'"),
                r.err());
        assertFalse(r.err().contains("epoch"), "no training ran: " + r.err());
    }
}
