package org.dpdl4j.examples.plots;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;

/**
 * Writes JFreeChart charts as PNG files, off screen, in one house style (white background, grey grid,
 * the same palette in every chart), so that the examples' plots look alike side by side in the docs.
 */
public final class Charts {

    static {
        // Examples run on servers without a display; AWT must not try to open one.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** Default width in pixels. */
    public static final int WIDTH = 900;
    /** Default height in pixels of a single-panel chart. */
    public static final int HEIGHT = 560;

    /** Series colours (matplotlib's first four), in the order series are added. */
    static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728)};

    static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 14);

    private Charts() {
    }

    /**
     * Writes {@code chart} as a {@code width}×{@code height} PNG, creating the parent directories.
     *
     * @throws UncheckedIOException naming the file and the reason when it cannot be written
     */
    public static Path writePng(JFreeChart chart, Path file, int width, int height) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(cannotWrite("plot", file, e), e);
        }
    }

    /** A message that says which file failed and why, in words rather than an exception class name. */
    static String cannotWrite(String what, Path file, IOException e) {
        String reason;
        if (e instanceof AccessDeniedException) {
            reason = "permission denied";
        } else if (e instanceof FileAlreadyExistsException f) {
            reason = "'" + f.getFile() + "' exists and is not a directory";
        } else if (e instanceof FileSystemException f && f.getReason() != null) {
            reason = f.getReason() + (f.getFile() != null ? " ('" + f.getFile() + "')" : "");
        } else {
            reason = e.getMessage();
        }
        return "cannot write " + what + " '" + file + "': " + reason + "; choose a writable --plots directory";
    }

    /** Applies the house style to a chart's title and background. */
    static JFreeChart styled(JFreeChart chart) {
        chart.getTitle().setFont(TITLE_FONT);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** Applies the house style to a plot: white background, grey grid, axis label font. */
    static XYPlot styled(XYPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        if (plot.getDomainAxis() != null) {
            plot.getDomainAxis().setLabelFont(LABEL_FONT);
        }
        for (int i = 0; i < plot.getRangeAxisCount(); i++) {
            if (plot.getRangeAxis(i) != null) {
                plot.getRangeAxis(i).setLabelFont(LABEL_FONT);
            }
        }
        return plot;
    }

    /**
     * Lines in the palette, from {@code firstColour} on; with points marked when there are few of them, so
     * that a short run's epochs or a sweep's ε values stay visible as points.
     */
    static XYLineAndShapeRenderer lines(int firstColour, int series, boolean shapes) {
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, shapes);
        for (int i = 0; i < series; i++) {
            r.setSeriesPaint(i, PALETTE[(firstColour + i) % PALETTE.length]);
            r.setSeriesStroke(i, new BasicStroke(2.0f));
        }
        return r;
    }

    /**
     * Shortest exact decimal for a label or a file name: "0.5", "3", and "1e-5" rather than Java's "1.0E-5",
     * which reads poorly in a title.
     */
    public static String plain(double x) {
        if (!Double.isFinite(x)) {
            return Double.toString(x);
        }
        if (x != 0 && Math.abs(x) < 1e-3) {
            return Double.toString(x).replace(".0E", "E").replace('E', 'e');
        }
        return BigDecimal.valueOf(x).stripTrailingZeros().toPlainString();
    }
}
