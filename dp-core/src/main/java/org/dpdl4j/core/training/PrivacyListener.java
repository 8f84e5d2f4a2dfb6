package org.dpdl4j.core.training;

import java.util.Locale;
import java.util.function.Consumer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A DL4J {@code TrainingListener} that reports ε (from the trainer's ledger) and the mean training loss
 * at the end of every epoch, and a progress line every {@code everySteps} steps. Attach it with
 * {@code net.addListeners(new PrivacyListener(trainer, 50))}; the trainer calls DL4J listeners exactly as
 * {@code fit} does.
 *
 * <p>Privacy assumption: ε is the accounted guarantee; the loss it prints is a non-private diagnostic
 * computed on the private training data.
 *
 * <p>To keep the per-epoch values (for a plot, say) rather than only print them, pass an
 * {@link EpochEnd} consumer: it receives the same numbers the epoch line is made of.
 */
public final class PrivacyListener extends BaseTrainingListener {

    private static final Logger LOG = LoggerFactory.getLogger(PrivacyListener.class);

    private final DpSgdTrainer trainer;
    private final int everySteps;
    private final Consumer<String> sink;
    private final Consumer<EpochEnd> epochSink;
    private double lossSum;
    private long lossCount;

    /** Logs through SLF4J. */
    public PrivacyListener(DpSgdTrainer trainer, int everySteps) {
        this(trainer, everySteps, LOG::info);
    }

    /** Sends each line to {@code sink} (e.g. a progress bar or a test). */
    public PrivacyListener(DpSgdTrainer trainer, int everySteps, Consumer<String> sink) {
        this(trainer, everySteps, sink, epoch -> sink.accept(epoch.toString()));
    }

    /**
     * Sends the progress lines to {@code sink} and each epoch's values to {@code epochSink} instead of its
     * line ({@link EpochEnd#toString()} is that line), so that a caller can add its own columns to it.
     */
    public PrivacyListener(DpSgdTrainer trainer, int everySteps, Consumer<String> sink, Consumer<EpochEnd> epochSink) {
        if (everySteps < 0) {
            throw new IllegalArgumentException("everySteps must be >= 0 (0 = epoch lines only), got " + everySteps);
        }
        this.trainer = trainer;
        this.everySteps = everySteps;
        this.sink = sink;
        this.epochSink = epochSink;
    }

    /**
     * The privacy spent and the training loss at the end of an epoch.
     *
     * @param epoch the epoch just finished, from 1
     * @param report the trainer's report after it (ε at δ, steps so far)
     * @param meanLoss mean training loss over the epoch's steps: a non-private diagnostic, NaN if none was
     *     reported
     */
    public record EpochEnd(int epoch, PrivacyReport report, double meanLoss) {

        /** The listener's epoch line. */
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "epoch %d: eps %.4f (delta %.1e, %s), steps %d, mean loss %.4f (non-private)",
                    epoch, report.epsilon(), report.delta(), report.accountant(), report.steps(), meanLoss);
        }
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        double loss = model.score();
        if (!Double.isNaN(loss)) {
            lossSum += loss;
            lossCount++;
        }
        if (everySteps > 0 && (iteration + 1) % everySteps == 0) {
            long perEpoch = trainer.stepsPerEpoch();
            sink.accept(String.format(Locale.ROOT, "epoch %d step %d/%d loss %.4f", epoch + 1,
                    (iteration % perEpoch) + 1, perEpoch, loss));
        }
    }

    @Override
    public void onEpochEnd(Model model) {
        double mean = lossCount == 0 ? Double.NaN : lossSum / lossCount;
        lossSum = 0;
        lossCount = 0;
        epochSink.accept(new EpochEnd(((org.deeplearning4j.nn.multilayer.MultiLayerNetwork) model).getEpochCount() + 1,
                trainer.report(), mean));
    }
}
