package org.dpdl4j.examples.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.core.training.DpSgdConfig;
import org.dpdl4j.core.training.DpSgdTrainer;
import org.dpdl4j.examples.data.FashionMnist;
import org.dpdl4j.examples.models.ReferenceModels;
import org.dpdl4j.core.noise.GaussianNoise;
import org.dpdl4j.core.noise.SecureGaussianNoise;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * DP-SGD step time against plain DL4J {@code fit} on the same network and batch size, measured in the
 * same process. The DP step is the whole production step: Poisson sampling, ledger record (fsynced),
 * per-example gradients, clipping, secure noise, normalisation and the DL4J updater. The two sides run
 * in alternating blocks, so drifts of a shared machine affect both alike.
 */
@Command(name = "dpsgd", description = "Time a DP-SGD step against DL4J's non-private fit (same process).")
public final class DpSgdBenchmark implements Callable<Integer> {

    @Option(names = "--model", description = "mlp, cnn or mlp1m (784-1024-256-10, 1.07M parameters) (default: ${DEFAULT-VALUE}).")
    String model = "mlp";

    @Option(names = "--batch", description = "Batch size; expected size for the Poisson DP step (default: ${DEFAULT-VALUE}).")
    int batch = 256;

    @Option(names = "--steps", description = "Timed steps for each side (default: ${DEFAULT-VALUE}).")
    int steps = 30;

    @Option(names = "--warmup", description = "Untimed warm-up steps for each side (default: until both are JIT-compiled "
            + "on a 2-core machine: 1500 for mlp, 300 for mlp1m, 30 for cnn).")
    int warmup = -1;

    @Option(names = "--rounds", description = "Alternating blocks of timed steps per side, so machine drift hits both "
            + "sides alike (default: ${DEFAULT-VALUE}).")
    int rounds = 10;

    @Option(names = "--settle-ms", description = "Untimed pause before every block, so that neither side inherits "
            + "the native workers the other left spinning (default: ${DEFAULT-VALUE}; 0 for none).")
    long settleMs = 250;

    @Option(names = "--seeded", description = "Use seeded noise instead of the secure CSPRNG.")
    boolean seeded;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--dl4j-only", description = "Time only DL4J's fit, in a JVM where no DP step ever runs (no "
            + "native thread setting is changed): a check that the in-process baseline is not slowed by our steps.")
    boolean dl4jOnly;

    @Option(names = "--dp-only", description = "Time only DP steps, back to back, with no DL4J fit in between: what a "
            + "training loop sees.")
    boolean dpOnly;

    private MultiLayerNetwork build() {
        return switch (model) {
            case "mlp" -> ReferenceModels.mlp(42, new Sgd(0.1), DataType.FLOAT);
            case "cnn" -> ReferenceModels.tramerBonehCnn(42, new Sgd(0.1), DataType.FLOAT);
            case "mlp1m" -> ReferenceModels.wideMlp(42, new Sgd(0.1), DataType.FLOAT);
            default -> throw new IllegalArgumentException("unknown model '" + model + "'; use mlp, cnn or mlp1m");
        };
    }

    private static DataSet data() {
        if (FashionMnist.isAvailable()) {
            return FashionMnist.train().toDataSet();
        }
        // Timing does not depend on pixel values; synthetic data keeps the benchmark runnable anywhere.
        Nd4j.getRandom().setSeed(1);
        var x = Nd4j.rand(DataType.FLOAT, 60_000, 784);
        var y = Nd4j.zeros(DataType.FLOAT, 60_000, 10);
        for (int i = 0; i < 60_000; i++) {
            y.putScalar(i, i % 10, 1f);
        }
        return new DataSet(x, y);
    }

    /**
     * Default warm-up per model: the DP step's per-window median stops falling after ~1,000 MLP steps on
     * 2 cores (HotSpot is still compiling ND4J's op plumbing and the step); the larger models spend more
     * time per step in native code, so fewer steps suffice.
     */
    private int warmupSteps() {
        if (warmup >= 0) {
            return warmup;
        }
        return switch (model) {
            case "mlp" -> 1500;
            case "mlp1m" -> 300;
            default -> 30;
        };
    }

    @Override
    public Integer call() throws Exception {
        int warm = warmupSteps();
        DataSet all = data();
        DataSet fixed = new DataSet(all.getFeatures().get(NDArrayIndex.interval(0, batch), NDArrayIndex.all()).dup(),
                all.getLabels().get(NDArrayIndex.interval(0, batch), NDArrayIndex.all()).dup());

        if (dl4jOnly && dpOnly) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--dl4j-only and --dp-only exclude each other; give one of them, or neither to time both");
        }
        MultiLayerNetwork baselineNet = build();
        if (dl4jOnly) {
            return reportOneSide("dl4j", Timing.measure(warm, steps, () -> baselineNet.fit(fixed)));
        }
        Path ledger = Files.createTempFile("dpdl4j-bench-ledger-", ".jsonl");
        Files.delete(ledger);
        DpSgdConfig.Builder cfg = DpSgdConfig.builder().clipNorm(1.0).noiseMultiplier(1.0).batchSize(batch).delta(1e-5)
                .ledger(ledger);
        if (seeded) {
            cfg.seed(7);
        }
        Timing.Result dp;
        Timing.Result nonPrivate;
        boolean fallback;
        try (DpSgdTrainer trainer = DpSgdTrainer.makePrivate(build(), all, cfg.build())) {
            if (dpOnly) {
                return reportOneSide("dp", Timing.measure(warm, steps, trainer::step));
            }
            Timing.Result[] both = Timing.interleaved(warm, steps, Math.min(rounds, steps), settleMs,
                    () -> baselineNet.fit(fixed), trainer::step);
            nonPrivate = both[0];
            dp = both[1];
            fallback = trainer.report().notes().stream().anyMatch(n -> n.contains("fallback"));
        } finally {
            Files.deleteIfExists(ledger);
        }

        // What the secure noise alone costs per step for this parameter count, in the same process.
        MultiLayerNetwork sized = build();
        INDArray target = Nd4j.zeros(DataType.FLOAT, 1, sized.numParams());
        GaussianNoise secureNoise = new SecureGaussianNoise();
        Timing.Result noiseTime = Timing.measure(warm, Math.max(10, steps / 3), () -> secureNoise.addTo(target, 1.0));

        ObjectNode out = settings();
        out.put("rounds", Math.min(rounds, steps));
        out.put("settle_ms", settleMs);
        out.put("dp_ms_per_step", dp.medianMs());
        out.put("dp_p90_ms", dp.p90Ms());
        out.put("nonprivate_ms_per_step", nonPrivate.medianMs());
        out.put("nonprivate_dl4j_ms_per_step", nonPrivate.medianMs());
        out.put("ratio", dp.medianMs() / nonPrivate.medianMs());
        out.put("params", sized.numParams());
        out.put("secure_noise_ms", noiseTime.medianMs());
        out.put("secure_noise_share_of_dp_step", noiseTime.medianMs() / dp.medianMs());
        out.put("secure_noise", !seeded);
        out.put("engine_fallback", fallback);
        out.put("data", FashionMnist.isAvailable() ? "fashion-mnist" : "synthetic");
        out.put("cpus", Runtime.getRuntime().availableProcessors());
        out.put("java", System.getProperty("java.version"));
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(out));
        } else {
            System.out.printf("%s batch %d: DP %.1f ms/step, DL4J fit %.1f ms/step, ratio %.2f%n", model, batch,
                    dp.medianMs(), nonPrivate.medianMs(), dp.medianMs() / nonPrivate.medianMs());
        }
        return 0;
    }

    /** The JSON fields every report starts with: what was timed and how. */
    private ObjectNode settings() {
        ObjectNode out = new ObjectMapper().createObjectNode();
        out.put("benchmark", "dpsgd");
        out.put("model", model);
        out.put("batch", batch);
        out.put("steps", steps);
        out.put("warmup", warmupSteps());
        return out;
    }

    /** JSON for one side timed alone: {@code dl4j_only} or {@code dp_only}, and that side's median, p10 and p90. */
    private int reportOneSide(String side, Timing.Result r) throws Exception {
        String prefix = side.equals("dp") ? "dp_" : "nonprivate_dl4j_";
        ObjectNode out = settings();
        out.put(side + "_only", true);
        out.put(prefix + "ms_per_step", r.medianMs());
        out.put(prefix + "p10_ms", r.p10Ms());
        out.put(prefix + "p90_ms", r.p90Ms());
        out.put("cpus", Runtime.getRuntime().availableProcessors());
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(out));
        } else {
            System.out.printf("%s batch %d: %s alone %.1f ms/step (p10 %.1f, p90 %.1f)%n", model, batch,
                    side.equals("dp") ? "DP step" : "DL4J fit", r.medianMs(), r.p10Ms(), r.p90Ms());
        }
        return 0;
    }
}
