package org.dpdl4j.core.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.dpdl4j.accountant.EpsilonResult;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.budget.BudgetExceededException;
import org.dpdl4j.accountant.budget.PrivacyBudget;
import org.dpdl4j.accountant.calibration.NoiseCalibration;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.core.engine.PerExampleEngine;
import org.dpdl4j.core.engine.PerExampleGradients;
import org.dpdl4j.core.parallel.RowParallel;
import org.dpdl4j.core.noise.GaussianNoise;
import org.dpdl4j.core.sampling.Batch;
import org.dpdl4j.core.sampling.BatchSampler;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DP-SGD (and full-batch NoisyGD) for a DL4J {@link MultiLayerNetwork}: the equivalent of Opacus'
 * {@code make_private} / {@code make_private_with_epsilon}. Each step draws a batch with the configured
 * sampler, computes per-example gradients in one pass, clips them, adds N(0, σ²S²) to the sum
 * (S = clipping sensitivity), divides by the sampler's fixed normaliser and hands the result to the
 * network's own DL4J updater, so any {@code IUpdater} (Sgd, Nesterovs, Adam, …) works unchanged.
 *
 * <p>Every step is written to the {@link PrivacyLedger} (fsynced) before its update is applied; with a
 * budget, the step that would exceed it is refused and training stops. DL4J training listeners
 * attached to the network are called as in {@code fit}.
 *
 * <p>Privacy assumption: the dataset given is the private dataset whose records the guarantee
 * protects, the network passes {@link PerExampleEngine}'s checks, and all settings are data-independent.
 */
public final class DpSgdTrainer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DpSgdTrainer.class);
    static final String MECHANISM = "dp-sgd";

    private final MultiLayerNetwork net;
    private final DpSgdConfig config;
    private final PerExampleEngine engine;
    /** Engines for the extra threads of a row split, created on first use (see accumulateClippedSum). */
    private final List<PerExampleEngine> replicas = new ArrayList<>();
    /** Rows per thread below which a batch is not split: the hand-over would cost more than it saves. */
    private static final int MIN_ROWS_PER_PART = 32;
    /** Forward multiply-adds per thread below which a batch is not split ({@code -Ddpdl4j.rowparallel.minMacs}). */
    private static final long MIN_MACS_PER_PART = 50_000_000L;
    private final boolean trainsAll;
    /** How many coordinates the noise covers: the trained ones. */
    private final long noisedCoordinates;
    private final BatchSampler sampler;
    private final GaussianNoise noise;
    private final ReleaseRule release;
    private final double sigma;
    private final PrivacyAccountant accountant;
    private final PrivacyLedger ledger;
    private final PrivacyBudget budget;
    /** False when the ledger belongs to a shared budget: the caller opened it and closes it. */
    private final boolean ownsLedger;
    private final List<String> notes = new ArrayList<>();
    /** Mechanism labels of the live trainers on each shared ledger: two with one label would reuse step numbers. */
    private static final Map<PrivacyLedger, Set<String>> SHARED_LABELS = new WeakHashMap<>();
    /** Writes ledger records while the step computes; one thread, so records keep their order. */
    private ExecutorService recorder;
    private long stepsTaken;
    private boolean stoppedByBudget;
    private double lastLoss = Double.NaN;
    private ReleasedGradientHook releasedGradientHook;
    private final boolean restrictedLayers;

    private DpSgdTrainer(MultiLayerNetwork net, DataSet data, DpSgdConfig config, Checkpoint.State resumed,
                         PrivacyBudget shared, ReleaseRule release,
                         Set<Integer> trainableLayers) {
        if (shared != null) {
            checkSharedBudget(config, shared);
        }
        this.net = net;
        this.config = config;
        this.release = java.util.Objects.requireNonNull(release, "release rule");
        this.engine = trainableLayers == null ? PerExampleEngine.of(net) : PerExampleEngine.of(net, trainableLayers);
        this.restrictedLayers = trainableLayers != null;
        this.trainsAll = engine.trainsAllParameters();
        this.noisedCoordinates = trainsAll ? net.numParams() : engine.trainableMask().sumNumber().longValue();
        TrainingInputs.checkShapes(net, data);
        this.sampler = Samplers.create(config, data);
        TrainingInputs.checkLabelValues(net, data.getLabels());
        this.accountant = config.accountant().create();
        if (resumed != null) {
            this.sigma = resumed.noiseMultiplier();
            notes.add("resumed from a checkpoint after step " + resumed.steps());
        } else if (config.calibrate()) {
            long totalSteps = (long) config.epochs() * sampler.stepsPerEpoch();
            var calibrated = NoiseCalibration.noiseMultiplier(accountant,
                    s -> new SelfComposedEvent(sampler.stepEvent(s), totalSteps), config.targetEpsilon(), config.delta());
            this.sigma = config.clipping().gradientNoiseMultiplier(calibrated.noiseMultiplier());
            notes.add(String.format(java.util.Locale.ROOT, "sigma=%.6f calibrated for eps=%.4f over %d steps (%d epochs)",
                    sigma, config.targetEpsilon(), totalSteps, config.epochs()));
        } else {
            this.sigma = config.noiseMultiplier();
        }
        accountant.checkSupported(stepEvent());
        this.ownsLedger = shared == null;
        this.ledger = shared != null ? shared.ledger() : openLedger(config);
        if (shared != null) {
            register(ledger, config.mechanism());
        }
        try {
            if (resumed != null) {
                sampler.restore(resumed.samplerState());
                config.clipping().restore(resumed.clippingState());
                // A resumed run must never replay noise: secure noise is freshly keyed, seeded noise moves to a
                // stream named by the ledger length, which grows with every released step.
                this.noise = Samplers.noise(config, noiseStream(2 + ledger.size()));
            } else {
                // A seeded run started on a ledger that already has records (a restart without a checkpoint)
                // must not replay stream 1 either: it too moves to a stream named by the ledger length.
                this.noise = Samplers.noise(config, noiseStream(ledger.size() == 0 ? 1 : 2 + ledger.size()));
            }
            if (shared != null) {
                this.budget = shared;
            } else if (!Double.isNaN(config.budgetEpsilon())) {
                this.budget = PrivacyBudget.builder().epsilon(config.budgetEpsilon()).delta(config.delta())
                        .accountant(accountant).ledger(ledger).build();
            } else {
                this.budget = null;
            }
        } catch (RuntimeException | Error e) {
            // A refused setup must not keep the ledger locked (or the label taken): the caller fixes the cause
            // and tries again.
            releaseLedger(e);
            throw e;
        }
        this.stepsTaken = ledger.nextStep(config.mechanism());
        if (!config.secure()) {
            notes.add("seeded mode: noise and sampling are reproducible and NOT cryptographically secure");
        }
        if (engine.usesFallback()) {
            notes.add("per-example gradients by the exact batch-size-1 fallback: " + engine.fallbackReason());
        }
        notes.add("training loss shown by listeners is a non-private diagnostic computed on private data");
    }

    /**
     * Prepares private training of {@code net} on {@code data} (features [N, ...], one-hot labels [N, k]).
     *
     * @throws IllegalArgumentException for an invalid network, data or configuration, saying what to change
     */
    public static DpSgdTrainer makePrivate(MultiLayerNetwork net, DataSet data, DpSgdConfig config) {
        return new DpSgdTrainer(net, data, config, null, null, ReleaseRule.STANDARD, null);
    }

    /**
     * As {@link #makePrivate(MultiLayerNetwork, DataSet, DpSgdConfig)}, but only the layers with the given
     * indices are trained: per-example gradients, clipping norms and noise cover those layers' parameters
     * alone, and every other layer receives an exactly zero gradient. Whether a zero gradient leaves a
     * layer unchanged depends on its DL4J updater and regularization (momentum state, L1/L2, weight decay
     * still act on it); {@code org.dpdl4j.dl4j.finetune} builds networks where it does.
     *
     * @throws org.dpdl4j.core.engine.UnsupportedModelException for an index that is out of range, frozen or
     *     has no parameters
     */
    public static DpSgdTrainer makePrivate(MultiLayerNetwork net, DataSet data, DpSgdConfig config,
                                           Set<Integer> trainableLayers) {
        Objects.requireNonNull(trainableLayers, "trainable layers");
        if (trainableLayers.isEmpty()) {
            throw new IllegalArgumentException("no layer to train: name at least one layer with parameters");
        }
        return new DpSgdTrainer(net, data, config, null, null, ReleaseRule.STANDARD, Set.copyOf(trainableLayers));
    }

    /**
     * As {@link #makePrivate(MultiLayerNetwork, DataSet, DpSgdConfig)}, spending from a budget that other
     * trainers (or other mechanisms) on the same data share: every step is charged with
     * {@link PrivacyBudget#spend}, whose check and ledger write are one atomic operation, so trainers
     * running concurrently cannot overspend it together; each stops before the step that would exceed it.
     * The budget's ledger is used and stays open when this trainer closes (its owner closes it).
     *
     * @param config its ledger path, if set, must be the budget's ledger file; it must set no budget of its
     *     own and have the budget's δ; and its mechanism label must differ from that of every other live
     *     trainer on this budget's ledger
     * @throws IllegalArgumentException if the configuration conflicts with the budget, saying what to change
     */
    public static DpSgdTrainer makePrivate(MultiLayerNetwork net, DataSet data, DpSgdConfig config, PrivacyBudget budget) {
        return new DpSgdTrainer(net, data, config, null, java.util.Objects.requireNonNull(budget, "budget"), ReleaseRule.STANDARD, null);
    }

    private static void checkSharedBudget(DpSgdConfig config, PrivacyBudget shared) {
        if (!Double.isNaN(config.budgetEpsilon())) {
            throw new IllegalArgumentException("the configuration sets its own budget (epsilon " + config.budgetEpsilon()
                    + ") but a shared budget is given; remove budget(...) from the configuration");
        }
        Path file = shared.ledger().file().toAbsolutePath();
        if (config.ledgerPath() != null && !config.ledgerPath().toAbsolutePath().equals(file)) {
            throw new IllegalArgumentException("the configuration names the ledger " + config.ledgerPath()
                    + " but the shared budget records in " + file + "; remove ledger(...) from the configuration");
        }
        if (Double.compare(config.delta(), shared.delta()) != 0) {
            throw new IllegalArgumentException("the configuration's delta " + config.delta() + " differs from the shared "
                    + "budget's delta " + shared.delta() + "; use the budget's delta so the report and the limit agree");
        }
    }

    private static void register(PrivacyLedger ledger, String label) {
        synchronized (SHARED_LABELS) {
            Set<String> labels = SHARED_LABELS.computeIfAbsent(ledger, l -> new HashSet<>());
            if (!labels.add(label)) {
                throw new IllegalArgumentException("another live trainer on the ledger " + ledger.file() + " already "
                        + "records its steps as '" + label + "'; give each trainer sharing a budget its own "
                        + "mechanism(...) label, so their step numbers stay apart");
            }
        }
    }

    /** Closes an owned ledger, or unregisters this trainer's label from a shared one. */
    private void releaseLedger(Throwable pending) {
        if (ownsLedger) {
            try {
                ledger.close();
            } catch (IOException e) {
                if (pending == null) {
                    throw new UncheckedIOException(e);
                }
                pending.addSuppressed(e);
            }
        } else {
            synchronized (SHARED_LABELS) {
                Set<String> labels = SHARED_LABELS.get(ledger);
                if (labels != null) {
                    labels.remove(config.mechanism());
                }
            }
        }
    }

    /**
     * Seeded noise streams are named by the ledger length; trainers sharing a ledger also need their own
     * streams, so a label other than the default one moves to a separate range of stream ids.
     */
    private long noiseStream(long stream) {
        String label = config.mechanism();
        return label.equals(MECHANISM) ? stream : stream + ((long) label.hashCode() << 32);
    }

    /**
     * A trainer whose step releases its gradient by {@code release} instead of the standard rule. Only for
     * tests in this package that check that audits catch deliberately broken variants.
     */
    static DpSgdTrainer makeWithReleaseRule(MultiLayerNetwork net, DataSet data, DpSgdConfig config, ReleaseRule release) {
        return new DpSgdTrainer(net, data, config, null, null, release, null);
    }

    /** As {@link #makeWithReleaseRule(MultiLayerNetwork, DataSet, DpSgdConfig, ReleaseRule)} for a layer subset (null: all). */
    static DpSgdTrainer makeWithReleaseRule(MultiLayerNetwork net, DataSet data, DpSgdConfig config, ReleaseRule release,
                                            Set<Integer> trainableLayers) {
        return new DpSgdTrainer(net, data, config, null, null, release,
                trainableLayers == null ? null : Set.copyOf(trainableLayers));
    }

    /**
     * Continues training from a checkpoint written by {@link #checkpoint(Path)}: the network with its
     * updater state, the sampler, σ and the clipping state are restored, the same ledger is reopened (so
     * ε keeps counting every step ever recorded, including steps taken after the checkpoint), and the
     * noise stream is new.
     *
     * <p>Crash recovery: an incomplete final ledger line left by an append that a crash interrupted is
     * removed (its step never ran, see {@link PrivacyLedger#discardIncompleteFinalLine}); any other damage to
     * the ledger is refused. If the crash hit while {@link #checkpoint(Path)} was replacing the checkpoint,
     * the previous checkpoint is used. Both are stated in the report's notes.
     *
     * @param config the run's configuration; its ledger path, if set, must be the checkpoint's
     * @throws IllegalArgumentException if the checkpoint is missing or damaged, or does not match the
     *     data and configuration (the message says what to change)
     * @throws UncheckedIOException if the ledger cannot be opened or is damaged (a
     *     {@link org.dpdl4j.accountant.ledger.CorruptLedgerException} as the cause names the line)
     */
    public static DpSgdTrainer resume(Path checkpointDir, DataSet data, DpSgdConfig config) {
        Path dir = Checkpoint.locate(checkpointDir);
        Checkpoint.State state = Checkpoint.read(dir);
        if (config.ledgerPath() != null && !config.ledgerPath().toAbsolutePath().equals(state.ledger().toAbsolutePath())) {
            throw new IllegalArgumentException("the checkpoint's ledger is " + state.ledger() + " but the configuration names "
                    + config.ledgerPath() + "; resume with the same ledger so no step goes unaccounted");
        }
        DpSgdConfig withLedger = config.ledgerPath() != null ? config : config.withLedger(state.ledger());
        MultiLayerNetwork net = Checkpoint.readNetwork(dir);
        String torn = discardInterruptedAppend(withLedger.ledgerPath());
        DpSgdTrainer trainer = new DpSgdTrainer(net, data, withLedger, state, null, ReleaseRule.STANDARD, null);
        if (!dir.equals(checkpointDir)) {
            trainer.notes.add("the checkpoint " + checkpointDir + " was being replaced when the run stopped; resumed from "
                    + "the previous one, " + dir);
        }
        if (torn != null) {
            trainer.notes.add("removed an incomplete final ledger line (" + torn.length() + " characters) left by an "
                    + "append the crash interrupted; its step never ran");
        }
        return trainer;
    }

    /**
     * A crash (kill, power loss, full disk) during an append can leave an incomplete final line. This
     * trainer runs a step only after its append returned, so that line's step never ran and the line
     * records nothing spent: it is removed, as {@link PrivacyLedger#discardIncompleteFinalLine} documents.
     * Complete lines are never touched; any other damage still fails when the ledger is opened.
     *
     * @return the removed text, or null if the ledger ended with a complete line (or does not exist)
     */
    private static String discardInterruptedAppend(Path ledgerPath) {
        if (!Files.exists(ledgerPath)) {
            return null;
        }
        try {
            var torn = PrivacyLedger.discardIncompleteFinalLine(ledgerPath);
            torn.ifPresent(t -> LOG.warn("dpdl4j: removed an incomplete final line from the privacy ledger {} left by an "
                    + "interrupted append (its step never ran): {}", ledgerPath, t));
            return torn.orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the privacy ledger " + ledgerPath + " to resume: " + e.getMessage(), e);
        }
    }

    /**
     * Saves the network (with updater state), sampler state, σ and clipping state to {@code dir},
     * atomically: a crash while saving leaves the previous checkpoint intact. The ledger is not copied:
     * it stays the single record of spending.
     */
    public void checkpoint(Path dir) {
        if (restrictedLayers) {
            throw new UnsupportedOperationException("a trainer restricted to layers " + engine.trainableLayers()
                    + " cannot be checkpointed yet: resume() would train every layer; run the phase to the end, or "
                    + "split it into shorter phases of a schedule (org.dpdl4j.dl4j.finetune), each with its own ledger label");
        }
        Checkpoint.write(dir, net, new Checkpoint.State(stepsTaken, sigma, sampler.state(), config.clipping().state(),
                ledger.file().toAbsolutePath()));
    }

    /**
     * Sets (or with null, removes) a hook that sees every step's released gradient: the noised clipped
     * sum divided by the sampler's normaliser, before the DL4J updater turns it into an update. The hook
     * may read it and change it in place (e.g. per-tensor learning-rate scales); both are post-processing
     * of a released value and cost no privacy, provided the hook uses no private data of its own.
     */
    public void setReleasedGradientHook(ReleasedGradientHook hook) {
        this.releasedGradientHook = hook;
    }

    /** Layer indices whose parameters this trainer trains (and noises). */
    public Set<Integer> trainableLayers() {
        return engine.trainableLayers();
    }

    /** The trained network. */
    public MultiLayerNetwork network() {
        return net;
    }

    private static PrivacyLedger openLedger(DpSgdConfig config) {
        try {
            Path path = config.ledgerPath() != null ? config.ledgerPath()
                    : Files.createTempFile("dpdl4j-ledger-", ".jsonl");
            if (config.ledgerPath() == null) {
                Files.delete(path);
                LOG.info("dpdl4j: privacy ledger at {}", path);
            }
            return PrivacyLedger.open(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the privacy ledger: " + e.getMessage(), e);
        }
    }

    /** σ in use (calibrated or given). */
    public double noiseMultiplier() {
        return sigma;
    }

    /** The accounting event of one step. */
    public DpEvent stepEvent() {
        return sampler.stepEvent(config.clipping().effectiveNoiseMultiplier(sigma));
    }

    /** Steps per epoch of the sampler. */
    public long stepsPerEpoch() {
        return sampler.stepsPerEpoch();
    }

    /** Trains for the configured number of epochs (or until the budget stops it). */
    public PrivacyReport fit() {
        return fit(config.epochs());
    }

    /** Trains for {@code epochs} epochs (or until the budget stops it). */
    public PrivacyReport fit(int epochs) {
        for (int e = 0; e < epochs && !stoppedByBudget; e++) {
            for (TrainingListener l : net.getListeners()) {
                l.onEpochStart(net);
            }
            for (long s = 0; s < sampler.stepsPerEpoch(); s++) {
                if (!step()) {
                    break;
                }
            }
            for (TrainingListener l : net.getListeners()) {
                l.onEpochEnd(net);
            }
            net.incrementEpochCount();
            LOG.info("dpdl4j: epoch {} done, steps {}, eps {} (delta {}), loss {}", net.getEpochCount(), stepsTaken,
                    String.format(java.util.Locale.ROOT, "%.4f", epsilon()), config.delta(),
                    String.format(java.util.Locale.ROOT, "%.4f", lastLoss));
        }
        return report();
    }

    /**
     * One DP step. Returns false (and takes no step) when the budget would be exceeded.
     *
     * @throws UncheckedIOException if the ledger cannot be written: then no update was applied
     */
    public boolean step() {
        // A replicable engine runs its own kernels, so the whole step can run with single-threaded native
        // kernels (RowParallel): large batches still split over every core, and small ones leave a core free
        // for the noise, drawn ahead there. Engines with DL4J fallback layers keep DL4J's own threading.
        return engine.replicable() ? RowParallel.singleThreadedNative(() -> stepOn(null)) : stepOn(null);
    }

    /**
     * The step itself; {@code given} replaces the sampler's batch (tests feed exact batches through the
     * production path this way).
     *
     * <p>The step's ledger record (or budget charge) is written and forced to disk on a background thread
     * while the batch is sampled and its clipped gradient sum is computed, and the step waits for it
     * before noise is added and anything is released: nothing computed from the data leaves this method,
     * and no parameter changes, until the record is durable. If the record fails, or the budget refuses
     * the step, the computed sum is discarded (the gradient view is zeroed) and no update happens, and the
     * next call tries the same step index again. If the gradient computation fails, the record still
     * stands (over-counting, never under-counting) and its index counts as taken. The noise itself may
     * be drawn ahead, during the computation, since it does not depend on the data; a step that ends
     * without release leaves it unused, and noise is never used twice ({@link GaussianNoise#drawAhead}).
     */
    boolean stepOn(Batch given) {
        if (stoppedByBudget) {
            return false;
        }
        DpEvent event = stepEvent();
        long step = stepsTaken;
        Future<?> record = recorder().submit(() -> {
            if (budget != null) {
                budget.spend(config.mechanism(), event, step, 1);
            } else {
                ledger.append(config.mechanism(), event, step, 1);
            }
            return null;
        });
        INDArray flat = net.getFlattenedGradients();
        INDArray norms;
        int batchSize;
        try {
            Batch batch = given != null ? given : sampler.next();
            batchSize = batch.size();
            int parts = parts(batch);
            if (parts == 1 && RowParallel.singleThreaded()) {
                // The clipped sum below runs on this core only: draw the step's noise on the other meanwhile.
                noise.drawAhead(noisedCoordinates);
            }
            norms = accumulateClippedSum(batch, flat, parts);
        } catch (RuntimeException | Error e) {
            flat.assign(0);
            if (awaitRecord(record, e)) {
                // Recorded but not run: the index is spent, so the next step gets the next one (no duplicates).
                stepsTaken++;
            }
            throw e;
        }
        boolean recorded;
        try {
            recorded = awaitRecord(record, null);
        } catch (RuntimeException e) {
            // The ledger write failed: the un-noised sum must not stay behind in the gradient view.
            flat.assign(0);
            throw e;
        }
        if (!recorded) {
            flat.assign(0);
            return false;
        }
        // Same noise with and without a mask; the unmasked call avoids rebuilding the mask's index list every step.
        ReleaseRule.NoiseStep noiseStep = trainsAll ? noise::addTo
                : (target, std) -> noise.addTo(target, std, engine.trainableMask());
        release.release(flat, noiseStep, sigma * config.clipping().sensitivity(), sampler.normalizer(), batchSize);
        if (releasedGradientHook != null) {
            releasedGradientHook.accept(flat, sigma * config.clipping().sensitivity() / sampler.normalizer(), step);
        }
        applyUpdate(flat);
        config.clipping().afterStep(norms, noise, sampler.normalizer());
        stepsTaken++;
        return true;
    }

    /**
     * Waits for the step's record. Returns false when the budget refused the step; throws when the
     * ledger could not be written. With {@code pending} (the step already failed), a ledger failure is
     * attached to it instead of thrown.
     */
    private boolean awaitRecord(Future<?> record, Throwable pending) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    record.get();
                    return true;
                } catch (InterruptedException e) {
                    // The record is being written; it must finish (or fail) before the step can end.
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof BudgetExceededException b) {
                        stoppedByBudget = true;
                        LOG.info("dpdl4j: stopping before step {}: {}", stepsTaken, b.getMessage());
                        return false;
                    }
                    RuntimeException failure = cause instanceof IOException io
                            ? new UncheckedIOException("privacy ledger write failed, no step was taken: " + io.getMessage(), io)
                            : new IllegalStateException("privacy ledger write failed, no step was taken: " + cause, cause);
                    if (pending != null) {
                        pending.addSuppressed(failure);
                        return false;
                    }
                    throw failure;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private ExecutorService recorder() {
        if (recorder == null) {
            recorder = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "dpdl4j-ledger");
                t.setDaemon(true);
                return t;
            });
        }
        return recorder;
    }

    /** How many row ranges (one per core) the batch's clipped sum is split into; 1 for no split. */
    private int parts(Batch batch) {
        if (batch.size() == 0 || !engine.replicable()) {
            return 1;
        }
        // Split only when each thread gets enough work to pay for the hand-over: measured on 2 cores, an MLP
        // 784-256-10 at batch 256 (~26M multiply-adds per half) gained nothing, a CNN or a 1M-parameter MLP did.
        long macs = engine.forwardMacsPerExample();
        long minMacs = Long.getLong("dpdl4j.rowparallel.minMacs", MIN_MACS_PER_PART);
        long minRows = macs == 0 ? Long.MAX_VALUE : Math.max(MIN_ROWS_PER_PART, minMacs / macs);
        return RowParallel.parts(batch.size(), minRows);
    }

    /** Writes the clipped sum into {@code flat}; returns the per-example norms, or null for an empty batch. */
    private INDArray accumulateClippedSum(Batch batch, INDArray flat, int parts) {
        flat.assign(0);
        if (batch.size() == 0) {
            lastLoss = Double.NaN;
            return null;
        }
        int chunk = config.physicalBatchSize() > 0 ? config.physicalBatchSize() : batch.size();
        if (parts == 1) {
            RowsResult r = clippedSumOfRows(engine, batch, 0, batch.size(), chunk);
            lastLoss = r.lossSum() / batch.size();
            return r.norms();
        }
        // One engine per core, each on its own contiguous rows with single-threaded native kernels (RowParallel):
        // part 0 writes into the network's gradient (flat), the replicas into their own arrays, added below.
        // The sum is the same clipped sum, so its sensitivity is unchanged.
        while (replicas.size() < parts - 1) {
            replicas.add(engine.replica());
        }
        int partChunk = (chunk + parts - 1) / parts;
        RowsResult[] results = new RowsResult[parts];
        int ran = RowParallel.run(batch.size(), parts, (p, from, to) -> results[p] = clippedSumOfRows(
                p == 0 ? engine : replicas.get(p - 1), batch, (int) from, (int) to, partChunk));
        double lossSum = 0;
        INDArray[] norms = new INDArray[ran];
        for (int p = 0; p < ran; p++) {
            if (p > 0) {
                flat.addi(replicas.get(p - 1).gradientTarget());
            }
            lossSum += results[p].lossSum();
            norms[p] = results[p].norms();
        }
        lastLoss = lossSum / batch.size();
        return org.nd4j.linalg.factory.Nd4j.concat(0, norms);
    }

    private record RowsResult(INDArray norms, double lossSum) {
    }

    /**
     * The clipped sum of batch rows [from, to) by {@code e}, in chunks of at most {@code chunk} rows, left in
     * {@code e.gradientTarget()}; returns the rows' norms and summed loss.
     */
    private RowsResult clippedSumOfRows(PerExampleEngine e, Batch batch, int from, int to, int chunk) {
        INDArray target = e.gradientTarget();
        boolean whole = from == 0 && to == batch.size() && to - from <= chunk;
        INDArray acc = to - from > chunk ? target.ulike().assign(0) : null;
        List<INDArray> norms = new ArrayList<>();
        double lossSum = 0;
        for (int start = from; start < to; start += chunk) {
            int end = Math.min(to, start + chunk);
            INDArray x = whole ? batch.features() : batch.features().get(NDArrayIndex.interval(start, end));
            INDArray y = whole ? batch.labels() : batch.labels().get(NDArrayIndex.interval(start, end));
            PerExampleGradients g = e.compute(x, y);
            INDArray chunkNorms = g.norms();
            checkFinite(chunkNorms, start);
            g.writeClippedSumPerLayer(config.clipping().factors(g));
            norms.add(chunkNorms);
            lossSum += g.loss().sumNumber().doubleValue();
            g.release();
            if (acc != null) {
                acc.addi(target);
            }
        }
        if (acc != null) {
            target.assign(acc);
        }
        INDArray all = norms.size() == 1 ? norms.get(0) : org.nd4j.linalg.factory.Nd4j.concat(0, norms.toArray(INDArray[]::new));
        return new RowsResult(all, lossSum);
    }

    /**
     * A NaN or infinite per-example gradient cannot be clipped (NaN·0 is NaN) and would poison the noised
     * sum, so the step fails before any update; its ledger record stays, which over-counts and never
     * under-counts.
     */
    private void checkFinite(INDArray norms, int offset) {
        double sum = norms.sumNumber().doubleValue();
        if (Double.isFinite(sum)) {
            return;
        }
        List<Integer> bad = new ArrayList<>();
        for (int i = 0; i < norms.length() && bad.size() < 10; i++) {
            if (!Double.isFinite(norms.getDouble(i))) {
                bad.add(offset + i);
            }
        }
        throw new NonFiniteGradientException("step " + stepsTaken + ": the gradients of batch rows " + bad
                + " are NaN or infinite, so no update was applied (the step stays recorded in the ledger, so epsilon "
                + "still counts it); lower the learning rate, check the inputs and labels, or use a loss that is "
                + "finite for every input", stepsTaken);
    }

    private void applyUpdate(INDArray flat) {
        applyReleasedGradient(net, flat, lastLoss);
    }

    /**
     * Applies a released gradient (the noised clipped sum already divided by the fixed normaliser) to
     * {@code net} with the network's own DL4J updater, advances its iteration count and calls its listeners:
     * this trainer's update, public so that a distributed trainer (dp-spark's) updates a network in exactly
     * the same way from a sum aggregated elsewhere.
     *
     * <p>Privacy assumption: {@code released} is the output of the Gaussian mechanism recorded in the ledger;
     * the update is post-processing. {@code score} is a non-private diagnostic shown to listeners, or NaN.
     *
     * @param released flattened gradient in DL4J's layout; the updater overwrites it with the update
     */
    public static void applyReleasedGradient(MultiLayerNetwork net, INDArray released, double score) {
        int iteration = net.getIterationCount();
        int epoch = net.getEpochCount();
        // batch size 1: the gradient is already normalised by the sampler's fixed, data-independent divisor
        net.getUpdater().update(net, new DefaultGradient(released), iteration, epoch, 1, LayerWorkspaceMgr.noWorkspaces());
        INDArray params = net.params();
        params.subi(released.reshape(params.shape()));
        net.setScore(score);
        net.setIterationCount(iteration + 1);
        for (TrainingListener l : net.getListeners()) {
            l.iterationDone(net, iteration, epoch);
        }
    }

    /** ε spent so far (from the ledger), at the configured δ. */
    public double epsilon() {
        return ledger.epsilon(accountant, config.delta()).epsilon();
    }

    /** Steps recorded in the ledger by DP-SGD (including earlier runs on the same ledger). */
    public long steps() {
        return stepsTaken;
    }

    /** True when training stopped because the next step would exceed the budget. */
    public boolean stoppedByBudget() {
        return stoppedByBudget;
    }

    /** The ledger this trainer writes. */
    public PrivacyLedger ledger() {
        return ledger;
    }

    /** The privacy report for everything recorded so far. */
    public PrivacyReport report() {
        EpsilonResult r = ledger.epsilon(accountant, config.delta());
        List<String> all = new ArrayList<>(notes);
        all.addAll(r.notes());
        return new PrivacyReport(r.epsilon(), config.delta(), accountant.name(), stepsTaken, sigma,
                config.clipping().description(), sampler.description(), config.secure(), ledger.file(), ledger.headHash(),
                stoppedByBudget, all);
    }

    @Override
    public void close() {
        if (recorder != null) {
            // Every step waits for its own record, so nothing is pending here.
            recorder.shutdown();
        }
        releaseLedger(null);
    }
}
