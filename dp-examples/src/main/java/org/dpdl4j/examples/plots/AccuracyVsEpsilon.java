package org.dpdl4j.examples.plots;

import java.awt.BasicStroke;
import java.awt.Color;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.TickUnits;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Accuracy against ε: one point per privately trained model, each a separate release with its own ledger,
 * and optionally a non-private model of the same kind as a horizontal reference line. ε is on a log
 * scale, because the interesting change happens at small ε and typical sweeps double ε from point to point.
 */
public final class AccuracyVsEpsilon {

    /** One private model: its ε at the sweep's δ and its accuracy. */
    public record Point(double epsilon, double accuracy) {
    }

    /** Smallest span of the accuracy axis. */
    static final double MIN_ACCURACY_SPAN = 0.05;

    private final String accuracyLabel;
    private final List<Point> points = new ArrayList<>();
    private double reference = Double.NaN;
    private String referenceLabel = "";

    /** @param accuracyLabel what accuracy is measured on, e.g. "test accuracy" */
    public AccuracyVsEpsilon(String accuracyLabel) {
        this.accuracyLabel = accuracyLabel;
    }

    /** Adds a private model's point. */
    public AccuracyVsEpsilon add(double epsilon, double accuracy) {
        if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be finite and > 0 on a log axis, got " + epsilon);
        }
        points.add(new Point(epsilon, accuracy));
        return this;
    }

    /** Sets the accuracy of the non-private reference and its legend entry. */
    public AccuracyVsEpsilon reference(double accuracy, String label) {
        reference = accuracy;
        referenceLabel = label;
        return this;
    }

    /** The points added, in order. */
    public List<Point> points() {
        return List.copyOf(points);
    }

    /** The chart: private points joined by a line (sorted by ε), the reference as a dashed horizontal line. */
    public JFreeChart chart(String title, String epsilonLabel) {
        if (points.isEmpty()) {
            throw new IllegalStateException("no points to plot");
        }
        XYSeries priv = new XYSeries(accuracyLabel + ", private head at each ε");
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (Point p : points) {
            priv.add(p.epsilon(), p.accuracy());
            lo = Math.min(lo, p.epsilon());
            hi = Math.max(hi, p.epsilon());
        }
        // Pad the ε range by a factor so that the end points are not drawn on the plot's edge.
        lo /= 1.25;
        hi *= 1.25;
        XYSeriesCollection data = new XYSeriesCollection(priv);
        if (Double.isFinite(reference)) {
            XYSeries ref = new XYSeries(referenceLabel);
            ref.add(lo, reference);
            ref.add(hi, reference);
            data.addSeries(ref);
        }
        LogAxis x = new LogAxis(epsilonLabel);
        x.setBase(2);
        x.setRange(lo, hi);
        x.setStandardTickUnits(epsilonTicks());
        x.setNumberFormatOverride(new DecimalFormat("0.###"));
        NumberAxis y = new NumberAxis(accuracyLabel);
        y.setAutoRangeIncludesZero(false);
        // Private heads often land within a few tenths of a point of each other; a tight auto-range would draw
        // run-to-run noise as a steep curve, so the axis always spans at least five points of accuracy.
        y.setAutoRangeMinimumSize(MIN_ACCURACY_SPAN);
        XYLineAndShapeRenderer r = Charts.lines(0, 2, true);
        r.setSeriesShapesVisible(1, false);
        r.setSeriesPaint(1, Color.DARK_GRAY);
        r.setSeriesStroke(1, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 6f},
                0f));
        XYPlot plot = Charts.styled(new XYPlot(data, x, y, r));
        return Charts.styled(new JFreeChart(title, Charts.TITLE_FONT, plot, true));
    }

    /** Ticks at powers of two (0.125, 0.25, ..., 8, 16), which read as "ε doubled" along the axis. */
    private static TickUnits epsilonTicks() {
        TickUnits units = new TickUnits();
        for (int k = 1; k <= 4; k++) {
            units.add(new NumberTickUnit(k));
        }
        return units;
    }
}
