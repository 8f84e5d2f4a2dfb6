package org.dpdl4j.examples.plots;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import org.dpdl4j.accountant.ledger.LedgerRecord;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.core.training.PrivacyListener;
import org.dpdl4j.core.training.PrivacyReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each chart type renders to a decodable, non-blank PNG of the stated size, and bad paths fail clearly. */
class ChartsTest {

    static final double DELTA = 1e-5;

    @TempDir
    Path dir;

    private List<LedgerRecord> ledger(long... stepsPerRecord) throws IOException {
        Path file = dir.resolve("ledger.jsonl");
        try (PrivacyLedger l = PrivacyLedger.open(file)) {
            long first = 0;
            for (long steps : stepsPerRecord) {
                l.append("dp-sgd", PoissonSampledEvent.gaussian(0.01, 1.1), first, steps);
                first += steps;
            }
        }
        return PrivacyLedger.read(file);
    }

    @Test
    void trainingCurvesRenderThreePanels() throws IOException {
        TrainingCurves curves = new TrainingCurves("test accuracy");
        for (int e = 1; e <= 5; e++) {
            PrivacyReport report = new PrivacyReport(0.6 * e, DELTA, "rdp", 30L * e, 1.2, "flat", "poisson", true,
                    dir.resolve("l.jsonl"), "hash", false, List.of());
            curves.add(new PrivacyListener.EpochEnd(e, report, 2.0 / e), 0.5 + 0.06 * e);
        }
        assertEquals(150, curves.epochs().get(4).steps());
        Path file = Charts.writePng(curves.chart("training"), dir.resolve("a/b/curves.png"), Charts.WIDTH,
                TrainingCurves.HEIGHT);
        PngAssertions.assertPng(file, Charts.WIDTH, TrainingCurves.HEIGHT);
    }

    @Test
    void epsilonCurveEndsAtTheLedgersEpsilonAndRenders() throws IOException {
        List<LedgerRecord> records = ledger(40, 1, 59);
        EpsilonCurve curve = EpsilonCurve.of(records, 12, List.of(EpsilonCurve.Method.of(AccountantType.RDP, DELTA),
                EpsilonCurve.Method.of(AccountantType.PLD, DELTA)));
        assertEquals(2, curve.series().size());
        for (EpsilonCurve.Series s : curve.series()) {
            assertEquals(1, s.steps()[0]);
            assertEquals(100, s.steps()[s.steps().length - 1]);
            for (int i = 1; i < s.epsilon().length; i++) {
                assertTrue(s.epsilon()[i] > s.epsilon()[i - 1], s.label() + " grows with steps");
            }
        }
        double whole = AccountantType.RDP.create().epsilon(PrivacyLedger.compose(records), DELTA).epsilon();
        double[] rdp = curve.series().get(0).epsilon();
        assertEquals(whole, rdp[rdp.length - 1], 1e-12, "the last point is the run's epsilon");
        double[] pld = curve.series().get(1).epsilon();
        assertTrue(pld[pld.length - 1] < whole, "PLD is tighter than RDP");
        assertEquals(new SelfComposedEvent(PoissonSampledEvent.gaussian(0.01, 1.1), 50),
                EpsilonCurve.firstSteps(records, 50), "identical steps of several records count as one event");
        assertEquals("Poisson q = 0.01000, σ = 1.100", EpsilonCurve.describe(records.get(0).event()));

        Path file = Charts.writePng(curve.chart("eps"), dir.resolve("eps.png"), Charts.WIDTH, Charts.HEIGHT);
        PngAssertions.assertPng(file, Charts.WIDTH, Charts.HEIGHT);
    }

    @Test
    void accuracyAgainstEpsilonRendersWithItsReference() throws IOException {
        AccuracyVsEpsilon chart = new AccuracyVsEpsilon("test accuracy").reference(0.86, "non-private");
        double[] eps = {0.5, 1, 2, 3, 8};
        for (int i = 0; i < eps.length; i++) {
            chart.add(eps[i], 0.7 + 0.03 * i);
        }
        assertEquals(5, chart.points().size());
        Path file = Charts.writePng(chart.chart("acc", "ε"), dir.resolve("acc.png"), 640, 400);
        PngAssertions.assertPng(file, 640, 400);
        assertThrows(IllegalArgumentException.class, () -> chart.add(0, 0.5), "no zero on a log axis");
    }

    @Test
    void gridIsDistinctSortedAndEndsAtT() {
        assertArrayEquals(new long[] {1, 2, 3}, EpsilonCurve.grid(3, 40));
        assertArrayEquals(new long[] {7}, EpsilonCurve.grid(7, 1));
        assertArrayEquals(new long[] {1, 34, 67, 100}, EpsilonCurve.grid(100, 4));
    }

    @Test
    void unwritablePathsFailWithTheFileAndTheReason() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        AccuracyVsEpsilon chart = new AccuracyVsEpsilon("a").add(1, 0.5);
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> Charts.writePng(chart.chart("t", "ε"), notADirectory.resolve("x.png"), 100, 100));
        assertTrue(e.getMessage().startsWith("cannot write plot '" + notADirectory.resolve("x.png") + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("exists and is not a directory"), e.getMessage());

        PlotsOption plots = new PlotsOption();
        plots.prepare();
        assertTrue(!plots.enabled(), "no --plots: nothing to prepare");
        plots.dir(notADirectory.resolve("plots"));
        e = assertThrows(UncheckedIOException.class, plots::prepare);
        assertTrue(e.getMessage().startsWith("cannot write plots into '" + notADirectory.resolve("plots") + "'"),
                e.getMessage());
    }

    @Test
    void plainNumbersReadWellInLabelsAndFileNames() {
        assertEquals("1e-5", Charts.plain(1e-5));
        assertEquals("2.5e-6", Charts.plain(2.5e-6));
        assertEquals("0.5", Charts.plain(0.5));
        assertEquals("3", Charts.plain(3.0));
    }
}
