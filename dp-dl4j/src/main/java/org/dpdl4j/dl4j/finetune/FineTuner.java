package org.dpdl4j.dl4j.finetune;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.accountant.EpsilonResult;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.ledger.LedgerRecord;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.core.training.DpSgdConfig;
import org.dpdl4j.core.training.DpSgdTrainer;
import org.dpdl4j.core.training.SamplingMode;
import org.dpdl4j.dl4j.features.FeatureSource;
import org.dpdl4j.dl4j.head.HeadConfig;
import org.dpdl4j.dl4j.head.HeadMode;
import org.dpdl4j.dl4j.head.HeadResult;
import org.dpdl4j.dl4j.head.HeadTrainer;
import org.dpdl4j.dl4j.head.PrivateLinearHead;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * Runs a {@link Schedule} on a network and a private dataset: plans every σ first ({@link Schedule#plan}),
 * then runs the phases in order, each on a copy of the network in which only its layers can move
 * ({@link PhaseNetworks}), writes each phase's steps under its own label into one ledger, checks after
 * each phase that every untrained parameter is bit-identical to before, and copies the phase's result
 * back. The network passed in is trained in place (its configuration is not changed). Immutable;
 * {@code with...} methods return configured copies.
 *
 * <p>Checks that make the accounting match the plan: each phase's trainer must state exactly the
 * planned per-step event, and after each phase the ledger must hold exactly T records of it under the
 * phase's label; otherwise the run stops with an {@link IllegalStateException}.
 *
 * <p>Privacy assumption: the network's starting parameters do not depend on the private data (pretrained
 * on public data, or produced by earlier DP releases recorded in the same ledger); the schedule is fixed
 * without looking at the private data; noise is secure unless a seed is given (tests and experiments).
 */
public final class FineTuner {

    private final Schedule schedule;
    private final Path ledger;
    private final Long seed;
    private final Consumer<String> progress;

    private FineTuner(Schedule schedule, Path ledger, Long seed, Consumer<String> progress) {
        this.schedule = schedule;
        this.ledger = ledger;
        this.seed = seed;
        this.progress = progress;
    }

    /** A runner for the schedule: secure noise, a new temporary ledger, no progress output. */
    public static FineTuner of(Schedule schedule) {
        return new FineTuner(Objects.requireNonNull(schedule, "schedule"), null, null, line -> { });
    }

    /** The same runner writing to this ledger (existing records count against the budget). */
    public FineTuner withLedger(Path path) {
        return new FineTuner(schedule, Objects.requireNonNull(path, "ledger path"), seed, progress);
    }

    /** Seeded, NOT secure noise and sampling (tests, reproducible experiments). */
    public FineTuner withSeed(long s) {
        return new FineTuner(schedule, ledger, s, progress);
    }

    /** Progress lines (phase starts, step counts, σ; nothing computed from the private data). */
    public FineTuner withProgress(Consumer<String> sink) {
        return new FineTuner(schedule, ledger, seed, Objects.requireNonNull(sink, "progress sink"));
    }

    /**
     * Plans and runs every phase.
     *
     * @param net the pretrained network, trained in place
     * @param privateData features [n, ...] and one-hot labels [n, k]
     * @throws IllegalArgumentException for invalid data, an unreachable budget, or a phase that does not fit
     *     the network (the message says what to change)
     * @throws IllegalStateException if a phase changed a parameter it must not train, or the ledger does not
     *     show exactly the planned steps
     */
    public FineTuneResult run(MultiLayerNetwork net, DataSet privateData) {
        Objects.requireNonNull(net, "network");
        checkData(net, privateData);
        long n = privateData.numExamples();
        Path path = ledgerPath();
        DpEvent prior;
        try (PrivacyLedger l = PrivacyLedger.open(path)) {
            prior = l.toEvent();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the privacy ledger " + path + ": " + e.getMessage(), e);
        }
        // Resolve every selection before spending anything, so a bad selection fails early.
        for (Phase p : schedule.phases()) {
            if (p instanceof DpSgdPhase d) {
                d.train().resolve(net);
            } else {
                checkSoftmaxOutput(net);
            }
        }
        PrivacyPlan plan = schedule.plan(n, prior);
        progress.accept(schedule.name() + ": " + plan);
        List<FineTuneResult.PhaseResult> results = new ArrayList<>();
        for (int k = 0; k < schedule.phases().size(); k++) {
            Phase p = schedule.phases().get(k);
            PrivacyPlan.PlannedPhase planned = plan.phases().get(k);
            progress.accept(String.format(Locale.ROOT, "%s: phase %d/%d %s, sigma=%.4f", schedule.name(), k + 1,
                    schedule.phases().size(), p.describe(), planned.noiseMultiplier()));
            long t0 = System.nanoTime();
            PhaseOutcome out = p instanceof DpSgdPhase d ? runDpSgd(net, privateData, d, planned, path, k)
                    : runHead(net, privateData, (HeadPhase) p, planned, path, k);
            double seconds = (System.nanoTime() - t0) / 1e9;
            results.add(checkLedger(p, planned, out, path, seconds));
        }
        try (PrivacyLedger l = PrivacyLedger.open(path)) {
            PrivacyAccountant acc = Schedule.accountant();
            EpsilonResult total = l.epsilon(acc, schedule.delta());
            List<String> notes = new ArrayList<>(total.notes());
            if (seed != null) {
                notes.add("SEEDED noise and sampling: reproducible, NOT a private release");
            }
            if (!Double.isNaN(schedule.epsilon()) && total.epsilon() > schedule.epsilon()) {
                notes.add(String.format(Locale.ROOT, "the ledger's epsilon %.6f exceeds the budget %.6f by accountant "
                        + "round-off between compositions in a different order", total.epsilon(), schedule.epsilon()));
            }
            return new FineTuneResult(schedule.name(), net, plan, results, total.epsilon(), schedule.delta(), acc.name(),
                    path, l.headHash(), seed == null, notes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record PhaseOutcome(List<Integer> trained, long frozenChecked, Map<String, Double> rgnScales) {
    }

    private PhaseOutcome runDpSgd(MultiLayerNetwork net, DataSet data, DpSgdPhase phase, PrivacyPlan.PlannedPhase planned,
                                  Path path, int index) {
        Set<Integer> trained = phase.train().resolve(net);
        MultiLayerNetwork work = PhaseNetworks.forPhase(net, trained, phase.updater());
        FrozenSnapshot frozen = FrozenSnapshot.of(work, PhaseNetworks.untrained(work, trained));
        DpSgdConfig.Builder cb = DpSgdConfig.builder().clipNorm(phase.clipNorm()).noiseMultiplier(planned.noiseMultiplier())
                .delta(schedule.delta()).accountant(AccountantType.PLD).ledger(path).mechanism(phase.ledgerLabel());
        if (phase.fullBatch()) {
            cb.sampling(SamplingMode.FULL_BATCH);
        } else {
            cb.sampling(SamplingMode.POISSON).batchSize(phase.batchSize());
        }
        if (phase.physicalBatchSize() > 0) {
            cb.physicalBatchSize(phase.physicalBatchSize());
        }
        if (seed != null) {
            cb.seed(phaseSeed(index));
        }
        Map<String, Double> scales = Map.of();
        try (DpSgdTrainer trainer = DpSgdTrainer.makePrivate(work, data, cb.build(), trained)) {
            if (!trainer.stepEvent().equals(planned.stepEvent())) {
                throw new IllegalStateException("phase '" + phase.name() + "': the trainer would record " + trainer.stepEvent()
                        + " per step but the plan accounted " + planned.stepEvent() + "; nothing was trained");
            }
            AutoRgn.Scaler scaler = null;
            if (phase.autoRgn() != null) {
                scaler = phase.autoRgn().scaler(work, ParameterTensors.of(work, trained));
                trainer.setReleasedGradientHook(scaler);
            }
            long every = Math.max(1, phase.steps() / 5);
            for (long s = 0; s < phase.steps(); s++) {
                if (!trainer.step()) {
                    throw new IllegalStateException("phase '" + phase.name() + "' stopped at step " + s);
                }
                if ((s + 1) % every == 0 || s + 1 == phase.steps()) {
                    progress.accept(String.format(Locale.ROOT, "%s: %s step %d/%d", schedule.name(), phase.name(), s + 1,
                            phase.steps()));
                }
            }
            if (scaler != null) {
                scales = scaler.scales();
                progress.accept(schedule.name() + ": " + phase.name() + " Auto-RGN multipliers " + scales);
            }
        }
        frozen.verifyUnchanged(work, phase.name());
        PhaseNetworks.copyParameters(work, net);
        return new PhaseOutcome(List.copyOf(trained), frozen.size(), scales);
    }

    private PhaseOutcome runHead(MultiLayerNetwork net, DataSet data, HeadPhase phase, PrivacyPlan.PlannedPhase planned,
                                 Path path, int index) {
        int last = net.getnLayers() - 1;
        checkSoftmaxOutput(net);
        FrozenSnapshot frozen = FrozenSnapshot.of(net, PhaseNetworks.untrained(net, Set.of(last)));
        INDArray features = headFeatures(net, data.getFeatures());
        INDArray labels = data.getLabels().castTo(features.dataType());
        HeadConfig.Builder hb = HeadConfig.builder().mode(phase.mode()).clipNorm(phase.clipNorm()).steps(phase.steps())
                .learningRate(phase.learningRate()).momentum(phase.momentum()).noiseMultiplier(planned.noiseMultiplier())
                .delta(schedule.delta()).accountant(AccountantType.PLD).mechanism(phase.ledgerLabel()).bias(true);
        if (phase.mode() == HeadMode.POISSON) {
            hb.expectedBatchSize(phase.batchSize());
        }
        Layer out = net.getLayer(last);
        if (phase.start() == HeadPhase.Start.CURRENT) {
            hb.initialHead(PrivateLinearHead.of(out.getParam("W").castTo(features.dataType()).dup(),
                    out.getParam("b").castTo(features.dataType()).dup()));
        }
        if (seed != null) {
            hb.seed(phaseSeed(index));
        }
        HeadResult r;
        try (PrivacyLedger l = PrivacyLedger.open(path)) {
            r = HeadTrainer.train(FeatureSource.inMemory(features, labels), hb.build(), l,
                    line -> progress.accept(schedule.name() + ": " + phase.name() + " " + line));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the privacy ledger " + path + ": " + e.getMessage(), e);
        }
        out.getParam("W").assign(r.head().weights());
        out.getParam("b").assign(r.head().bias().reshape(out.getParam("b").shape()));
        frozen.verifyUnchanged(net, phase.name());
        return new PhaseOutcome(List.of(last), frozen.size(), Map.of());
    }

    private FineTuneResult.PhaseResult checkLedger(Phase p, PrivacyPlan.PlannedPhase planned, PhaseOutcome out, Path path,
                                                   double seconds) {
        List<LedgerRecord> mine = new ArrayList<>();
        try {
            for (LedgerRecord r : PrivacyLedger.read(path)) {
                if (r.mechanism().equals(p.ledgerLabel())) {
                    mine.add(r);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long steps = 0;
        for (LedgerRecord r : mine) {
            if (!r.event().equals(planned.stepEvent())) {
                throw new IllegalStateException("phase '" + p.name() + "': the ledger holds " + r.event()
                        + " but the plan accounted " + planned.stepEvent());
            }
            steps += r.steps();
        }
        if (steps != p.steps()) {
            throw new IllegalStateException("phase '" + p.name() + "': the ledger holds " + steps + " steps under '"
                    + p.ledgerLabel() + "' but the phase has " + p.steps() + "; use a fresh ledger or rename the phase");
        }
        double alone = Schedule.accountant().epsilon(PrivacyLedger.compose(mine), schedule.delta()).epsilon();
        return new FineTuneResult.PhaseResult(p.name(), p.ledgerLabel(), p.describe(), out.trained(),
                planned.noiseMultiplier(), steps, alone, out.frozenChecked(), seconds, out.rgnScales());
    }

    private long phaseSeed(int index) {
        return seed + 1_000_003L * (index + 1);
    }

    private Path ledgerPath() {
        if (ledger != null) {
            return ledger;
        }
        try {
            Path p = Files.createTempFile("dpdl4j-finetune-", ".jsonl");
            Files.delete(p);
            progress.accept("privacy ledger at " + p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary ledger file: " + e.getMessage(), e);
        }
    }

    private static void checkData(MultiLayerNetwork net, DataSet data) {
        if (data == null || data.getFeatures() == null || data.getLabels() == null || data.numExamples() == 0) {
            throw new IllegalArgumentException("the private dataset needs at least one row of features and labels");
        }
        if (data.getFeaturesMaskArray() != null || data.getLabelsMaskArray() != null) {
            throw new IllegalArgumentException("masked data is not supported by DP fine-tuning; remove the masks");
        }
        if (data.getLabels().size(0) != data.getFeatures().size(0)) {
            throw new IllegalArgumentException("features have " + data.getFeatures().size(0) + " rows but labels have "
                    + data.getLabels().size(0));
        }
    }

    /**
     * The output layer must be a softmax OutputLayer with cross-entropy (MCXENT, or its subclass
     * NEGATIVELOGLIKELIHOOD) without class weights and with a bias for a head phase.
     */
    static void checkSoftmaxOutput(MultiLayerNetwork net) {
        int last = net.getnLayers() - 1;
        org.deeplearning4j.nn.conf.layers.Layer conf = net.getLayer(last).conf().getLayer();
        if (!(conf instanceof OutputLayer o) || !(o.getActivationFn() instanceof ActivationSoftmax)
                || !(o.getLossFn() instanceof LossMCXENT)
                || !o.hasBias() || net.getLayer(last).getParam("W") == null) {
            throw new IllegalArgumentException("a linear-probe phase trains a softmax cross-entropy OutputLayer with bias as "
                    + "the last layer; layer " + last + " is " + conf.getClass().getSimpleName() + "; use a DpSgdPhase on "
                    + "LayerSelection.lastLayer() instead");
        }
        if (o.getLossFn() instanceof LossMCXENT m && m.getWeights() != null) {
            throw new IllegalArgumentException("the output layer's loss has class weights, which the private head does not "
                    + "implement; remove them or use a DpSgdPhase on LayerSelection.lastLayer()");
        }
    }

    /** The output layer's input for every row (in inference mode), flattened to [n, d]. */
    static INDArray headFeatures(MultiLayerNetwork net, INDArray x) {
        int last = net.getnLayers() - 1;
        long n = x.size(0);
        INDArray out = null;
        InputPreProcessor pre = net.getLayerWiseConfigurations().getInputPreProcess(last);
        for (long start = 0; start < n; start += 512) {
            long end = Math.min(n, start + 512);
            INDArray xb = x.get(NDArrayIndex.interval(start, end)).castTo(net.params().dataType());
            INDArray a = last == 0 ? xb : net.feedForwardToLayer(last - 1, xb, false).get(last);
            if (pre != null) {
                a = pre.preProcess(a, (int) (end - start), LayerWorkspaceMgr.noWorkspaces());
            }
            INDArray rows = a.rank() == 2 ? a : a.reshape('c', a.size(0), a.length() / a.size(0));
            if (out == null) {
                out = Nd4j.create(rows.dataType(), n, rows.size(1));
            }
            out.get(NDArrayIndex.interval(start, end), NDArrayIndex.all()).assign(rows);
        }
        return out;
    }
}
