package org.dpdl4j.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.accountant.EpsilonResult;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.calibration.NoiseCalibration;
import org.dpdl4j.accountant.event.ComposedEvent;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.core.clipping.FlatClipping;
import org.dpdl4j.core.engine.PerExampleEngine;
import org.dpdl4j.core.engine.PerExampleGradients;
import org.dpdl4j.core.noise.GaussianNoise;
import org.dpdl4j.core.noise.KeyedRandom;
import org.dpdl4j.core.training.DpSgdConfig;
import org.dpdl4j.core.training.DpSgdTrainer;
import org.dpdl4j.core.training.SamplingMode;
import org.dpdl4j.core.training.PrivacyReport;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Synchronous data-parallel DP-SGD of a small DL4J network on Spark. Per step the driver records the step
 * in the ledger, broadcasts the parameters; every partition rebuilds the network, runs dp-core's
 * {@link PerExampleEngine} on its (Poisson-sampled) rows and writes the flat-clipped gradient sum; one
 * {@code treeAggregate} adds the partition sums; the driver adds N(0, σ²C²) once, divides by the fixed q·n
 * (or n) and applies the network's own DL4J updater ({@link DpSgdTrainer#applyReleasedGradient}), as
 * {@link DpSgdTrainer} does on one machine. Sampling and exactly-once are as in {@link SparkHeadData}.
 *
 * <p>Where it pays: each step moves the P parameters out (a broadcast) and P doubles per partition back
 * (the aggregate), and costs a Spark job (tens of milliseconds locally, more on a cluster). It helps only
 * when a step's per-example forward and backward passes over q·n rows take much longer than that; for a
 * network of a few hundred thousand parameters on batches of a few thousand rows one machine is usually
 * faster. docs/spark.md has the arithmetic.
 *
 * <p>Privacy assumption: as {@link SparkHeadData}: executors are trusted with the data and step keys, the
 * partition sums are not released, the settings and the initial network do not depend on the private data.
 * A network with dropout draws fresh masks when a task is retried: the retried sum is then a different but
 * equally clipped sum of the same rows, which the guarantee covers.
 */
public final class SparkDpSgd {

    private SparkDpSgd() {
    }

    /**
     * What a run produced: the trained network (the one passed in) and the guarantee of the whole ledger, which
     * covers the network's parameters and everything else recorded in it.
     */
    public record Result(MultiLayerNetwork network, PrivacyReport report, double seconds) {
    }

    /**
     * Trains {@code net} in place.
     *
     * @param data rows of inputs of the width the network takes (flattened), labels in [0, k) for its k outputs
     * @param config dp-core's configuration: flat clipping, POISSON or FULL_BATCH sampling, epochs (a Poisson epoch
     *     is round(1/q) steps, as on one machine), σ or a target ε (met together with what the ledger already
     *     holds), δ, accountant, seed, mechanism label; budgets, physical batches and fixed-size sampling are refused
     * @param progress a line about every tenth of the run (counts and σ only)
     * @throws IllegalArgumentException for data or a network the engine cannot train, naming what to fix
     * @throws IllegalStateException if the ledger already spends the target ε
     */
    public static Result train(MultiLayerNetwork net, SparkFeatures data, DpSgdConfig config, PrivacyLedger ledger,
                               Consumer<String> progress) {
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(ledger, "ledger: every private step must be recorded");
        Objects.requireNonNull(progress, "progress");
        checkSupported(config, ledger);
        if (data.size() < 1) {
            throw new IllegalArgumentException("no rows: private training needs at least one example");
        }
        PerExampleEngine.of(net);
        data.check();
        boolean fullBatch = config.sampling() == SamplingMode.FULL_BATCH;
        double q = fullBatch ? 1.0 : config.expectedBatchSize() / data.size();
        if (q > 1) {
            throw new IllegalArgumentException("expected batch size " + config.expectedBatchSize() + " exceeds the "
                    + data.size() + " rows; use FULL_BATCH sampling");
        }
        // Steps per epoch as dp-core's samplers count them, so an epoch means the same on one machine and here.
        long steps = (long) config.epochs() * (fullBatch ? 1 : Math.max(1, Math.round(1 / q)));
        double clipNorm = ((FlatClipping) config.clipping()).clipNorm();
        PrivacyAccountant accountant = config.accountant().create();
        DpEvent prior = ledger.toEvent();
        double priorEpsilon = accountant.epsilon(prior, config.delta()).epsilon();
        double sigma = config.noiseMultiplier();
        if (config.calibrate()) {
            if (priorEpsilon >= config.targetEpsilon()) {
                throw new IllegalStateException(String.format(Locale.ROOT, "the ledger %s already spends epsilon %.4f "
                        + ">= the target %.4f", ledger.file(), priorEpsilon, config.targetEpsilon()));
            }
            sigma = NoiseCalibration.noiseMultiplier(accountant, s -> ComposedEvent.of(prior,
                    new SelfComposedEvent(stepEvent(fullBatch, q, s), steps)), config.targetEpsilon(),
                    config.delta()).noiseMultiplier();
        }
        DpEvent event = stepEvent(fullBatch, q, sigma);
        accountant.checkSupported(event);
        GaussianNoise noise = config.seed() == null ? GaussianNoise.createSecure()
                : GaussianNoise.createSeeded(config.seed());
        double std = sigma * clipNorm;
        double divisor = q * data.size();
        progress.accept(String.format(Locale.ROOT, "spark dp-sgd: n=%d, %d parameters, %d partitions, sigma=%.4f, C=%s, "
                + "%d steps, %s", data.size(), net.numParams(), data.partitions(), sigma, clipNorm, steps,
                fullBatch ? "full batch" : "expected batch " + config.expectedBatchSize()));
        long t0 = System.nanoTime();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(data.blocks().context());
        Broadcast<String> conf = sc.broadcast(net.getLayerWiseConfigurations().toJson());
        try {
            long first = ledger.nextStep(config.mechanism());
            for (long t = 0; t < steps; t++) {
                try {
                    ledger.append(config.mechanism(), event, first + t, 1);
                } catch (IOException e) {
                    throw new UncheckedIOException("could not record step " + (first + t) + " in the ledger; training "
                            + "stopped before that step released anything", e);
                }
                byte[] key = fullBatch ? null
                        : config.seed() == null ? KeyedRandom.newKey() : KeyedRandom.seededKey(config.seed(), t);
                INDArray released = sum(net, conf, data, clipNorm, q, key, 2);
                noise.addTo(released, std);
                released.divi(divisor);
                DpSgdTrainer.applyReleasedGradient(net, released, Double.NaN);
                long every = Math.max(1, steps / 10);
                if ((t + 1) % every == 0 || t + 1 == steps) {
                    progress.accept(String.format(Locale.ROOT, "spark dp-sgd: step %d/%d", t + 1, steps));
                }
            }
        } finally {
            conf.destroy();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        EpsilonResult eps = ledger.epsilon(accountant, config.delta());
        List<String> notes = PrivacyReport.notes(eps, priorEpsilon, noise.secure());
        String sampling = fullBatch ? "full batch (divisor n=" + data.size() + ")"
                : String.format(Locale.ROOT, "Poisson sampling, q=%s (divisor q*N=%.1f), a fresh key per step",
                        q, divisor);
        PrivacyReport report = new PrivacyReport(eps.epsilon(), config.delta(), eps.accountant(), steps, sigma,
                config.clipping().description(), sampling + "; Spark, " + data.partitions()
                        + " partitions", noise.secure(), ledger.file(), ledger.headHash(), false, notes);
        progress.accept(String.format(Locale.ROOT, "spark dp-sgd: done in %.1f s; %s", seconds, report));
        return new Result(net, report, seconds);
    }

    private static DpEvent stepEvent(boolean fullBatch, double q, double sigma) {
        return fullBatch ? GaussianEvent.of(sigma) : PoissonSampledEvent.gaussian(q, sigma);
    }

    /** The parts of dp-core's configuration this trainer implements; the rest is refused by name. */
    private static void checkSupported(DpSgdConfig config, PrivacyLedger ledger) {
        if (!(config.clipping() instanceof FlatClipping)) {
            throw new IllegalArgumentException("distributed DP-SGD supports flat clipping only (clipNorm(C)), got "
                    + config.clipping().description() + "; use DpSgdTrainer on one machine for other strategies");
        }
        if (config.sampling() == SamplingMode.FIXED_SIZE) {
            throw new IllegalArgumentException("distributed DP-SGD samples with POISSON or FULL_BATCH; fixed-size "
                    + "batches would need a global shuffle per step");
        }
        if (!Double.isNaN(config.budgetEpsilon())) {
            throw new IllegalArgumentException("budget(...) is not supported on Spark; give a targetEpsilon instead, "
                    + "which the run meets exactly");
        }
        if (config.physicalBatchSize() > 0) {
            throw new IllegalArgumentException("physicalBatchSize(...) is not supported on Spark; use more partitions "
                    + "to make each task's batch smaller");
        }
        if (config.ledgerPath() != null
                && !config.ledgerPath().toAbsolutePath().equals(ledger.file().toAbsolutePath())) {
            throw new IllegalArgumentException("the configuration names the ledger " + config.ledgerPath() + " but the "
                    + "run records in " + ledger.file() + "; remove ledger(...) from the configuration");
        }
    }

    /**
     * The pre-noise flat-clipped gradient sum of {@code net} over every row [1, P], computed on the cluster:
     * one full-batch step's distributed part, for tests. Not private: it is what the noise protects.
     */
    public static INDArray clippedSum(MultiLayerNetwork net, SparkFeatures data, double clipNorm) {
        new FlatClipping(clipNorm);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(data.blocks().context());
        Broadcast<String> conf = sc.broadcast(net.getLayerWiseConfigurations().toJson());
        try {
            return sum(net, conf, data, clipNorm, 1.0, null, 2);
        } finally {
            conf.destroy();
        }
    }

    /** The parameters and iteration count a partition rebuilds the network from. */
    private record State(double[] params, DataType type, int iteration, int epoch) implements java.io.Serializable {
    }

    private static INDArray sum(MultiLayerNetwork net, Broadcast<String> conf, SparkFeatures data, double clipNorm,
                                double q, byte[] key, int treeDepth) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(data.blocks().context());
        DataType type = net.params().dataType();
        Broadcast<State> state = sc.broadcast(new State(net.params().castTo(DataType.DOUBLE).dup('c').data().asDouble(),
                type, net.getIterationCount(), net.getEpochCount()));
        int classes = data.classes();
        try {
            double[] total = DistributedSum.run(data, (int) net.numParams(), treeDepth, q, key,
                    (blocks, selected, out) -> partitionSum(conf.value(), state.value(), classes, clipNorm, blocks,
                            selected, out));
            return Nd4j.createFromArray(total).reshape(1, total.length).castTo(type);
        } finally {
            state.destroy();
        }
    }

    private static void partitionSum(String json, State state, int classes, double clipNorm, List<FeatureBlock> blocks,
                                     long[][] selected, double[] out) {
        MultiLayerNetwork net = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(json));
        net.init(Nd4j.createFromArray(state.params()).reshape(1, state.params().length).castTo(state.type()), false);
        net.setIterationCount(state.iteration());
        net.setEpochCount(state.epoch());
        PerExampleEngine engine = PerExampleEngine.of(net);
        FlatClipping clipping = new FlatClipping(clipNorm);
        DistributedSum.forEachSelected(blocks, selected, classes, state.type(), (x, y) -> {
            PerExampleGradients g = engine.compute(x, y);
            double norms = g.norms().sumNumber().doubleValue();
            if (!Double.isFinite(norms)) {
                throw new IllegalStateException("a per-example gradient is NaN or infinite, so the step cannot be "
                        + "clipped; lower the learning rate or check the inputs (the step stays recorded in the ledger)");
            }
            g.writeClippedSumPerLayer(clipping.factors(g));
            g.release();
            DistributedSum.addInto(out, 0, net.getFlattenedGradients());
        });
        engine.releaseBuffers();
    }
}
