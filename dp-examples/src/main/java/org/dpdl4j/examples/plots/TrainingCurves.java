package org.dpdl4j.examples.plots;

import java.util.ArrayList;
import java.util.List;
import org.dpdl4j.core.training.PrivacyListener;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The per-epoch values a DP-SGD example already prints (ε and mean training loss from
 * {@link PrivacyListener}, plus the accuracy it evaluates), kept so that they can be drawn as training
 * curves: three panels over a shared epoch axis, loss, accuracy and ε.
 *
 * <p>Privacy assumption: ε is the accounted guarantee after each epoch; the loss is a non-private
 * diagnostic on the private training data and the accuracy is measured on data that training never sees
 * (test set or held-out split), as the examples already print them.
 */
public final class TrainingCurves {

    /** Height in pixels of the three-panel chart. */
    public static final int HEIGHT = 900;

    /** One epoch's values. */
    public record Epoch(int epoch, long steps, double epsilon, double meanLoss, double accuracy) {
    }

    private final String accuracyLabel;
    private final List<Epoch> epochs = new ArrayList<>();
    private double delta = Double.NaN;
    private String accountant = "";

    /** @param accuracyLabel what the accuracy is measured on, e.g. "test accuracy" */
    public TrainingCurves(String accuracyLabel) {
        this.accuracyLabel = accuracyLabel;
    }

    /** Records an epoch from the listener's values and the accuracy evaluated after it. */
    public void add(PrivacyListener.EpochEnd end, double accuracy) {
        delta = end.report().delta();
        accountant = end.report().accountant();
        epochs.add(new Epoch(end.epoch(), end.report().steps(), end.report().epsilon(), end.meanLoss(), accuracy));
    }

    /** The epochs recorded so far. */
    public List<Epoch> epochs() {
        return List.copyOf(epochs);
    }

    /** Loss, accuracy and ε against epochs, one panel each. */
    public JFreeChart chart(String title) {
        XYSeries loss = new XYSeries("mean training loss (non-private diagnostic)");
        XYSeries acc = new XYSeries(accuracyLabel);
        XYSeries eps = new XYSeries("ε spent (" + accountant + ", δ = " + Charts.plain(delta) + ")");
        for (Epoch e : epochs) {
            if (Double.isFinite(e.meanLoss())) {
                loss.add(e.epoch(), e.meanLoss());
            }
            acc.add(e.epoch(), e.accuracy());
            eps.add(e.epoch(), e.epsilon());
        }
        NumberAxis epochAxis = new NumberAxis("epoch");
        epochAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        epochAxis.setAutoRangeIncludesZero(false);
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(epochAxis);
        plot.setGap(12);
        boolean shapes = epochs.size() <= 60;
        plot.add(panel(loss, "loss", 0, shapes, false));
        plot.add(panel(acc, accuracyLabel, 1, shapes, false));
        // From zero, so that the panel shows how much of the budget is spent, not only how it grows.
        plot.add(panel(eps, "ε", 2, shapes, true));
        Charts.styled(plot);
        return Charts.styled(new JFreeChart(title, Charts.TITLE_FONT, plot, true));
    }

    private static XYPlot panel(XYSeries series, String axisLabel, int colour, boolean shapes, boolean fromZero) {
        NumberAxis axis = new NumberAxis(axisLabel);
        axis.setAutoRangeIncludesZero(fromZero);
        return Charts.styled(new XYPlot(new XYSeriesCollection(series), null, axis, Charts.lines(colour, 1, shapes)));
    }
}
