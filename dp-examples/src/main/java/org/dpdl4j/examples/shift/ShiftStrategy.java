package org.dpdl4j.examples.shift;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.dpdl4j.dl4j.finetune.AutoRgn;
import org.dpdl4j.dl4j.finetune.BudgetSplit;
import org.dpdl4j.dl4j.finetune.DpSgdPhase;
import org.dpdl4j.dl4j.finetune.HeadPhase;
import org.dpdl4j.dl4j.finetune.LayerSelection;
import org.dpdl4j.dl4j.finetune.Schedule;
import org.dpdl4j.dl4j.finetune.Strategies;
import org.dpdl4j.dl4j.head.LearningRateSchedule;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * The adaptation strategies of the shift benchmark, as schedules on the Tramèr &amp; Boneh CNN (layers:
 * 0 conv, 1 pool, 2 conv, 3 pool, 4 dense, 5 output). All DP-SGD phases share C, b, the updater and the
 * total number of DP-SGD steps T, so strategies differ only in which parameters the steps move.
 *
 * <p>Privacy assumption: the settings are fixed before any run, without the private target data or the
 * test set; the source model is pretrained on public (clean, disjoint) data.
 */
public enum ShiftStrategy {
    /** Every layer. */
    FULL,
    /** The first convolution only. */
    FIRST_BLOCK,
    /** The second convolution only. */
    MIDDLE_BLOCK,
    /** The output layer only (a linear probe run by DP-SGD). */
    LAST_LAYER,
    /** NoisyGD linear probe (25% of the budget), then DP-SGD on every layer from that head (75%). */
    LP_FT,
    /** Two rounds of decoder (output layer) then encoder (layers 0–4), T/4 steps each, equal budget shares. */
    ALTERNATING,
    /** Every layer with Auto-RGN per-tensor learning rates from the noisy gradients (variance subtracted). */
    AUTO_RGN;

    /** Lower-case, dash-separated name used on the command line. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static ShiftStrategy parse(String s) {
        for (ShiftStrategy v : values()) {
            if (v.id().equalsIgnoreCase(s.trim())) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown strategy '" + s + "'; use one of "
                + Arrays.stream(values()).map(ShiftStrategy::id).collect(Collectors.joining(", ")));
    }

    /** Hyperparameters shared by every strategy (fixed before any run; see docs/results.md). */
    public record Settings(double clip, double batch, long steps, double lr, double momentum, long probeSteps,
                           double probeClip, double probeLr, double probeMomentum, double delta) {
    }

    /** The strategy's schedule at total ε (the budget is also what the non-private reference ignores). */
    public Schedule schedule(Settings s, double epsilon) {
        DpSgdPhase template = DpSgdPhase.builder().name("t").train(LayerSelection.all()).clipNorm(s.clip())
                .batchSize(s.batch()).steps(s.steps()).updater(new Nesterovs(s.lr(), s.momentum())).build();
        Schedule.Builder b = switch (this) {
            case FULL -> Strategies.fullFineTuning(template);
            case FIRST_BLOCK -> Strategies.surgicalFirstBlock(template);
            case MIDDLE_BLOCK -> Strategies.surgicalMiddleBlock(template);
            case LAST_LAYER -> Strategies.surgicalLastLayer(template);
            case LP_FT -> Strategies.lpFt(HeadPhase.builder().name("probe").noisyGd().clipNorm(s.probeClip())
                            .steps(s.probeSteps()).learningRate(LearningRateSchedule.cosine(s.probeLr(), 0))
                            .momentum(s.probeMomentum()).build(),
                    template.with("fine-tune", LayerSelection.all())).split(BudgetSplit.fractions(0.25, 0.75));
            case ALTERNATING -> Strategies.alternating(template.toBuilder().steps(Math.max(1, s.steps() / 4)).build(),
                    LayerSelection.block(0, 4), LayerSelection.lastLayer(), 2, true);
            case AUTO_RGN -> Strategies.autoRgn(template, AutoRgn.fromNoisyGradients(0.9));
        };
        return b.name(id()).budget(epsilon, s.delta()).build();
    }
}
