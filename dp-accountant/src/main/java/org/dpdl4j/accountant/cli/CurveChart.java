package org.dpdl4j.accountant.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.math.BigDecimal;
import java.text.DecimalFormat;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Draws the ε-curve with JFreeChart, off screen. */
final class CurveChart {

    static {
        // The CLI runs on servers without a display; AWT must not try to open one.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    static final int WIDTH = 900;
    static final int HEIGHT = 560;

    private CurveChart() {
    }

    static String title(double q, double sigma, double delta, String accountant) {
        return "ε against steps (q = " + plain(q) + ", σ = " + plain(sigma) + ", δ = " + plain(delta) + ", "
                + accountant + " accountant)";
    }

    /** Shortest exact decimal, without Java's "1.0E-5" style that reads poorly in a title. */
    static String plain(double x) {
        return Double.isFinite(x) ? BigDecimal.valueOf(x).stripTrailingZeros().toString() : Double.toString(x);
    }

    /** Writes the chart; points with an infinite ε are left out because they cannot be drawn. */
    static void writePng(Path file, List<CurveCommand.Point> curve, String title, boolean logSteps) throws IOException {
        XYSeries series = new XYSeries("epsilon");
        for (CurveCommand.Point p : curve) {
            if (Double.isFinite(p.epsilon())) {
                series.add(p.steps(), p.epsilon());
            }
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, "steps", "ε (epsilon)",
                new XYSeriesCollection(series), PlotOrientation.VERTICAL, false, false, false);
        chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        if (logSteps && curve.size() > 1) {
            LogAxis axis = new LogAxis("steps (log scale)");
            axis.setBase(10);
            axis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
            axis.setSmallestValue(1);
            axis.setNumberFormatOverride(new DecimalFormat("#,##0"));
            plot.setDomainAxis(axis);
        }
        Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
        plot.getDomainAxis().setLabelFont(labelFont);
        plot.getRangeAxis().setLabelFont(labelFont);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, curve.size() <= 60);
        renderer.setSeriesPaint(0, new Color(0x1f, 0x77, 0xb4));
        renderer.setSeriesStroke(0, new BasicStroke(2.0f));
        plot.setRenderer(renderer);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    }
}
