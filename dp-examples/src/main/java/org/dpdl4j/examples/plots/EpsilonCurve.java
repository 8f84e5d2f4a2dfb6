package org.dpdl4j.examples.plots;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.event.ComposedEvent;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import org.dpdl4j.accountant.ledger.LedgerRecord;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * ε against the number of steps of a run, from its ledger: the ε of its first t steps for t on a grid up to
 * the steps it took, under one or more accountants, so that their curves can be compared on one chart.
 *
 * <p>Privacy assumption: this uses only the ledger's events (sampling rate, σ, step count), which are
 * public hyperparameters; drawing it costs no privacy. The last point of each curve is the ε of the whole
 * run under that accountant.
 */
public final class EpsilonCurve {

    /**
     * One way of turning a composed event into ε at a fixed δ.
     *
     * @param label legend entry, e.g. "PLD"
     * @param epsilon the ε of an event
     */
    public record Method(String label, ToDoubleFunction<DpEvent> epsilon) {

        /** The accountant's ε at {@code delta}, labelled as the examples print it. */
        public static Method of(AccountantType type, double delta) {
            PrivacyAccountant a = type.create();
            String label = switch (type) {
                case RDP -> "RDP (improved conversion)";
                case PLD -> "PLD";
                case GAUSSIAN -> "exact Gaussian";
            };
            return new Method(label, e -> a.epsilon(e, delta).epsilon());
        }
    }

    /** One accountant's curve; {@code epsilon[i]} is the ε after {@code steps[i]} steps. */
    public record Series(String label, long[] steps, double[] epsilon) {
    }

    private final List<Series> series;

    private EpsilonCurve(List<Series> series) {
        this.series = List.copyOf(series);
    }

    /**
     * The curves of a run whose ledger holds {@code records} (in ledger order), at about {@code points}
     * step counts spread evenly over 1..T, T (all the steps recorded) included.
     */
    public static EpsilonCurve of(List<LedgerRecord> records, int points, List<Method> methods) {
        long total = records.stream().mapToLong(LedgerRecord::steps).sum();
        if (total < 1) {
            throw new IllegalArgumentException("the ledger records no steps: nothing to plot");
        }
        long[] grid = grid(total, points);
        List<Series> out = new ArrayList<>();
        for (Method m : methods) {
            double[] eps = new double[grid.length];
            for (int i = 0; i < grid.length; i++) {
                eps[i] = m.epsilon().applyAsDouble(firstSteps(records, grid[i]));
            }
            out.add(new Series(m.label(), grid, eps));
        }
        return new EpsilonCurve(out);
    }

    /** The curves, in the order of the methods. */
    public List<Series> series() {
        return series;
    }

    /** All the curves on one chart, steps on the horizontal axis. */
    public JFreeChart chart(String title) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Series s : series) {
            XYSeries xy = new XYSeries(s.label());
            for (int i = 0; i < s.steps().length; i++) {
                // An infinite ε (too little noise for δ) cannot be drawn; the point is left out.
                if (Double.isFinite(s.epsilon()[i])) {
                    xy.add(s.steps()[i], s.epsilon()[i]);
                }
            }
            data.addSeries(xy);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, "steps", "ε (epsilon)", data,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = Charts.styled(chart.getXYPlot());
        plot.setRenderer(Charts.lines(0, series.size(), false));
        ((NumberAxis) plot.getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        return Charts.styled(chart);
    }

    /**
     * The composed cost of the first {@code t} steps: like {@code PrivacyLedger.compose}, identical per-step
     * events are counted together, so that the accountants see one self-composition per distinct event
     * rather than one entry per record (DP-SGD writes a record per step).
     */
    static DpEvent firstSteps(List<LedgerRecord> records, long t) {
        Map<DpEvent, Long> counts = new LinkedHashMap<>();
        long left = t;
        for (LedgerRecord r : records) {
            if (left == 0) {
                break;
            }
            long n = Math.min(left, r.steps());
            counts.merge(r.event(), n, Long::sum);
            left -= n;
        }
        List<DpEvent> parts = new ArrayList<>();
        counts.forEach((e, n) -> parts.add(new SelfComposedEvent(e, n)));
        return parts.size() == 1 ? parts.get(0) : new ComposedEvent(parts);
    }

    /** A short description of one step's event for a title, e.g. "Poisson q = 0.03413, σ = 1.921". */
    public static String describe(DpEvent step) {
        if (step instanceof PoissonSampledEvent p && p.event() instanceof GaussianEvent g) {
            return String.format(Locale.ROOT, "Poisson q = %.4g, σ = %.4g", p.samplingRate(), g.noiseMultiplier());
        }
        if (step instanceof GaussianEvent g) {
            return String.format(Locale.ROOT, "full batch, σ = %.4g", g.noiseMultiplier());
        }
        return step.kind();
    }

    /** At most {@code n} distinct step counts evenly spread over 1..t, always ending at t. */
    static long[] grid(long t, int n) {
        TreeSet<Long> steps = new TreeSet<>();
        steps.add(t);
        for (int i = 0; i < n - 1; i++) {
            steps.add(1 + Math.round((double) i * (t - 1) / (n - 1)));
        }
        return steps.stream().mapToLong(Long::longValue).toArray();
    }
}
