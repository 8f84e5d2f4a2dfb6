package org.dpdl4j.dl4j.finetune;

import java.util.Objects;

/**
 * The fine-tuning strategies of the surgical-fine-tuning, LP-FT and knowledge-guided-alternation papers,
 * as {@link Schedule} builders; add a budget and a split, then {@code build()}:
 * <pre>{@code
 * Schedule s = Strategies.lpFt(probe, fineTune).budget(3.0, 1e-5).split(BudgetSplit.fractions(0.3, 0.7)).build();
 * }</pre>
 * Every phase of a strategy is its own mechanism with its own ledger records; {@link Schedule#plan}
 * composes them.
 *
 * <p>Privacy assumption: the strategy and its settings are chosen without looking at the private data.
 */
public final class Strategies {

    private Strategies() {
    }

    /** Full DP fine-tuning: one DP-SGD phase on every layer ("full"). */
    public static Schedule.Builder fullFineTuning(DpSgdPhase template) {
        return Schedule.builder().name("full-ft").phase(template.with("full", LayerSelection.all()));
    }

    /** Surgical fine-tuning of any chosen set of layers, as one phase named {@code name}. */
    public static Schedule.Builder surgical(String name, DpSgdPhase template, LayerSelection layers) {
        Objects.requireNonNull(layers, "layers");
        return Schedule.builder().name("surgical-" + name).phase(template.with(name, layers));
    }

    /** Surgical: the first block only (favoured by input-level shifts, e.g. corruptions). */
    public static Schedule.Builder surgicalFirstBlock(DpSgdPhase template) {
        return surgical("first-block", template, LayerSelection.firstBlock());
    }

    /** Surgical: the middle block only (favoured by feature-level shifts). */
    public static Schedule.Builder surgicalMiddleBlock(DpSgdPhase template) {
        return surgical("middle-block", template, LayerSelection.middleBlock());
    }

    /** Surgical: the output layer only (favoured by output-level shifts, e.g. relabelling). */
    public static Schedule.Builder surgicalLastLayer(DpSgdPhase template) {
        return surgical("last-layer", template, LayerSelection.lastLayer());
    }

    /**
     * DP-LP-FT (Kumar et al.): phase "probe" trains the output layer as a private linear head on the
     * frozen features (NoisyGD or Poisson DP-SGD), phase "fine-tune" then runs DP-SGD on
     * {@code fineTune}'s layers starting from that head.
     */
    public static Schedule.Builder lpFt(HeadPhase probe, DpSgdPhase fineTune) {
        return Schedule.builder().name("lp-ft").phase(probe).phase(fineTune);
    }

    /**
     * DP-LP-FT with the probe run by the DP-SGD engine on the output layer (the same mechanism as
     * {@link #surgicalLastLayer}) instead of the closed-form head trainer.
     */
    public static Schedule.Builder lpFtBySgd(DpSgdPhase probe, DpSgdPhase fineTune) {
        return Schedule.builder().name("lp-ft-sgd").phase(probe.with(probe.name(), LayerSelection.lastLayer()))
                .phase(fineTune);
    }

    /**
     * Alternating encoder/decoder updates: {@code rounds} rounds, each a phase on {@code encoder} then one on
     * {@code decoder} (or decoder first), with the template's settings and steps per phase; phases are
     * named "encoder-1", "decoder-1", ...
     */
    public static Schedule.Builder alternating(DpSgdPhase template, LayerSelection encoder, LayerSelection decoder,
                                               int rounds, boolean decoderFirst) {
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(decoder, "decoder");
        if (rounds < 1) {
            throw new IllegalArgumentException("alternation needs at least one round, got " + rounds);
        }
        Schedule.Builder b = Schedule.builder().name("alternating");
        for (int r = 1; r <= rounds; r++) {
            DpSgdPhase enc = template.with("encoder-" + r, encoder);
            DpSgdPhase dec = template.with("decoder-" + r, decoder);
            b.phase(decoderFirst ? dec : enc).phase(decoderFirst ? enc : dec);
        }
        return b;
    }

    /** Full fine-tuning with Auto-RGN per-tensor learning rates. */
    public static Schedule.Builder autoRgn(DpSgdPhase template, AutoRgn rgn) {
        Objects.requireNonNull(rgn, "Auto-RGN");
        return Schedule.builder().name("auto-rgn")
                .phase(template.toBuilder().name("auto-rgn").train(LayerSelection.all()).autoRgn(rgn).build());
    }
}
