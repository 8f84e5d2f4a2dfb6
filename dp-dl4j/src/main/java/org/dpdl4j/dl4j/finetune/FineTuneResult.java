package org.dpdl4j.dl4j.finetune;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * The outcome of running a {@link Schedule}: the trained network, the plan it followed, one result per
 * phase, and the guarantee recomputed from the ledger file.
 *
 * <p>Privacy assumption: {@link #epsilon()} covers the final parameters and every intermediate one (all
 * phases' releases) under add/remove-one neighbouring of the private dataset, plus whatever the ledger
 * held before; it does not cover non-private diagnostics or hyperparameter choices made on private data.
 *
 * @param schedule the schedule's name
 * @param network the network trained in place
 * @param plan the σ's computed before training
 * @param phases per-phase results, in order
 * @param epsilon ε of everything in the ledger at {@link #delta()} (PLD accountant, upper end of its interval)
 * @param delta δ
 * @param accountant accountant name
 * @param ledger the ledger file
 * @param ledgerHeadHash hash of the ledger's last record
 * @param secure true when noise and sampling came from a CSPRNG
 * @param notes accountant notes and warnings
 */
public record FineTuneResult(String schedule, MultiLayerNetwork network, PrivacyPlan plan, List<PhaseResult> phases,
                             double epsilon, double delta, String accountant, Path ledger, String ledgerHeadHash,
                             boolean secure, List<String> notes) {

    public FineTuneResult {
        phases = List.copyOf(phases);
        notes = List.copyOf(notes);
    }

    /**
     * One phase's outcome.
     *
     * @param name phase name
     * @param ledgerLabel label of its ledger records
     * @param description what ran
     * @param trainedLayers indices of the trained layers
     * @param noiseMultiplier σ
     * @param steps steps recorded in the ledger under the label
     * @param epsilonAlone ε of this phase's ledger records alone
     * @param frozenParametersChecked number of untrained parameters verified bit-identical after the phase
     * @param seconds wall time
     * @param rgnScales final Auto-RGN multipliers by tensor ("layer/key"), or empty
     */
    public record PhaseResult(String name, String ledgerLabel, String description, List<Integer> trainedLayers,
                              double noiseMultiplier, long steps, double epsilonAlone, long frozenParametersChecked,
                              double seconds, Map<String, Double> rgnScales) {
        public PhaseResult {
            trainedLayers = List.copyOf(trainedLayers);
            rgnScales = Map.copyOf(rgnScales);
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%s: (eps=%.4f, delta=%.1e) by %s, ledger %s (head %s)%s",
                schedule, epsilon, delta, accountant, ledger, ledgerHeadHash, secure ? "" : "; SEEDED (not secure) noise"));
        for (PhaseResult p : phases) {
            sb.append(String.format(Locale.ROOT, "%n  %s: layers %s, sigma=%.4f, %d steps, eps alone=%.4f, %d frozen "
                            + "parameters bit-identical, %.1f s", p.name(), p.trainedLayers(), p.noiseMultiplier(), p.steps(),
                    p.epsilonAlone(), p.frozenParametersChecked(), p.seconds()));
        }
        return sb.toString();
    }
}
