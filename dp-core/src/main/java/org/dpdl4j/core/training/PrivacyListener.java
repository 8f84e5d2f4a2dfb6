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
 */
public final class PrivacyListener extends BaseTrainingListener {

    private static final Logger LOG = LoggerFactory.getLogger(PrivacyListener.class);

    private final DpSgdTrainer trainer;
    private final int everySteps;
    private final Consumer<String> sink;
    private double lossSum;
    private long lossCount;

    /** Logs through SLF4J. */
    public PrivacyListener(DpSgdTrainer trainer, int everySteps) {
        this(trainer, everySteps, LOG::info);
    }

    /** Sends each line to {@code sink} (e.g. a progress bar or a test). */
    public PrivacyListener(DpSgdTrainer trainer, int everySteps, Consumer<String> sink) {
        if (everySteps < 0) {
            throw new IllegalArgumentException("everySteps must be >= 0 (0 = epoch lines only), got " + everySteps);
        }
        this.trainer = trainer;
        this.everySteps = everySteps;
        this.sink = sink;
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
        PrivacyReport r = trainer.report();
        sink.accept(String.format(Locale.ROOT, "epoch %d: eps %.4f (delta %.1e, %s), steps %d, mean loss %.4f (non-private)",
                ((org.deeplearning4j.nn.multilayer.MultiLayerNetwork) model).getEpochCount() + 1, r.epsilon(), r.delta(),
                r.accountant(), r.steps(), mean));
        lossSum = 0;
        lossCount = 0;
    }
}
