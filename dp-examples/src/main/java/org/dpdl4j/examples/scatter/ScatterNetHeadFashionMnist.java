package org.dpdl4j.examples.scatter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.dl4j.features.FeatureSource;
import org.dpdl4j.dl4j.head.HeadConfig;
import org.dpdl4j.dl4j.head.HeadMode;
import org.dpdl4j.dl4j.head.HeadResult;
import org.dpdl4j.dl4j.head.HeadTrainer;
import org.dpdl4j.dl4j.postprocess.FeaturePipeline;
import org.dpdl4j.dl4j.postprocess.GroupNormalize;
import org.dpdl4j.dl4j.scattering.ScatteringTransform;
import org.dpdl4j.examples.data.FashionMnist;
import org.dpdl4j.examples.plots.PlotsOption;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * ScatterNet + DP linear classifier on Fashion-MNIST (Tramèr &amp; Boneh, ICLR 2021, "ScatterNet + linear",
 * 89.7% at ε = 3, δ = 1e-5):
 * <ol>
 * <li>the 2-D Morlet scattering transform (J = 2, L = 8, order 2) of the pixels in [0, 1]: 81 channels of
 * 7×7 = 3,969 features per image, a fixed map that costs no privacy;</li>
 * <li>per-example group normalisation of the 81 channels in 27 groups (GroupNorm without affine
 * parameters), also free;</li>
 * <li>a softmax head trained with Poisson-subsampled DP-SGD ({@link HeadMode#POISSON}): expected batch
 * 8192, clip C = 0.1, heavy-ball momentum 0.9, learning rate 16, 40 epochs, σ = 4.05 by default (their
 * published noise) or calibrated to a target ε.</li>
 * </ol>
 * It reports accuracy and ε of the same run under RDP with the improved conversion, RDP with the classic
 * conversion Tramèr &amp; Boneh used, and PLD. With {@code --validation-size N} it holds N training examples
 * out, trains on the rest and reports accuracy on them, never touching the test set (for tuning). With
 * {@code --plots DIR} it writes the three ε against steps of its ledger.
 *
 * <p>Privacy assumption: the training examples are the private records (add/remove-one); the test set
 * and, with {@code --validation-size}, the held-out examples are only evaluated. Hyperparameters are the
 * published ones; any tuning on the validation split is a use of private data that ε does not cover.
 */
@Command(name = ScatterNetHeadFashionMnist.NAME, mixinStandardHelpOptions = true,
        description = "ScatterNet features + GroupNorm + DP-SGD linear head on Fashion-MNIST (Tramer & Boneh).")
public final class ScatterNetHeadFashionMnist implements Callable<Integer> {

    static final String NAME = "scatternet-head";

    @Option(names = "--sigma", description = "Noise multiplier; default: Tramer & Boneh's ${DEFAULT-VALUE}. "
            + "Give 0 to calibrate sigma to --epsilon instead.")
    double sigma = 4.05;

    @Option(names = "--epsilon", description = "Target epsilon when --sigma 0 (default: ${DEFAULT-VALUE}).")
    double epsilon = 3.0;

    @Option(names = "--delta", description = "Delta (default: ${DEFAULT-VALUE}).")
    double delta = 1e-5;

    @Option(names = "--accountant", description = "Accountant for calibration and the ledger report: rdp or pld "
            + "(default: ${DEFAULT-VALUE}); all three epsilons are printed either way.")
    String accountant = "rdp";

    @Option(names = "--epochs", description = "Epochs; steps = round(epochs * n / batch) (default: ${DEFAULT-VALUE}).")
    double epochs = 40;

    @Option(names = "--batch", description = "Expected Poisson batch size (default: ${DEFAULT-VALUE}).")
    int batch = 8192;

    @Option(names = "--lr", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double lr = 16;

    @Option(names = "--momentum", description = "Heavy-ball momentum (default: ${DEFAULT-VALUE}).")
    double momentum = 0.9;

    @Option(names = "--clip", description = "Clip norm C (default: ${DEFAULT-VALUE}).")
    double clip = 0.1;

    @Option(names = "--groups", description = "GroupNorm groups over the 81 channels; 0 = none (default: ${DEFAULT-VALUE}).")
    int groups = ScatterNetFeatures.GROUPS;

    @Option(names = "--validation-size", description = "Hold out this many training examples and report accuracy "
            + "on them instead of the test set (0 = train on all, report test accuracy; default: ${DEFAULT-VALUE}).")
    int validationSize;

    @Option(names = "--train-subset", description = "Use only this many training examples (0 = all).")
    int trainSubset;

    @Option(names = "--test-subset", description = "Evaluate on this many test examples (0 = all).")
    int testSubset;

    @Option(names = "--seed", description = "Seed of the validation split and subsets (default: ${DEFAULT-VALUE}). "
            + "Noise and sampling come from the CSPRNG regardless.")
    long seed = 1;

    @Option(names = "--seeded-noise", description = "Reproducible seeded noise and sampling: NOT private (tests only).")
    boolean seededNoise;

    @Option(names = "--cache", description = "Directory caching the scattering features between runs (default: none).")
    Path cache;

    @Option(names = "--threads", description = "Threads of the scattering transform (0 = all cores; default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--ledger", description = "Ledger file (default: a new temporary file).")
    Path ledger;

    @Option(names = "--json", description = "Print one JSON result line at the end.")
    boolean json;

    /**
     * With {@code --plots DIR}: ε against steps (RDP improved and classic, PLD) of this run. The head trainer
     * reports no per-epoch metrics, so there are no training curves.
     */
    @Mixin
    PlotsOption plots = new PlotsOption();

    /** What a run produced. */
    public record Result(double accuracy, String evaluatedOn, int trainSize, int evalSize, double noiseMultiplier,
                         long steps, double samplingRate, double epsilonRdp, double epsilonRdpClassic,
                         double epsilonPld, double pldErrorBound, String sampling, Path ledger,
                         double scatterSecondsPer10k, long scatteredImages, double trainSeconds, double seconds) {
    }

    public Result run() throws Exception {
        long t0 = System.nanoTime();
        if (!FashionMnist.isAvailable()) {
            throw new IllegalStateException("Fashion-MNIST not found in " + FashionMnist.directory()
                    + ". Install it with `apt-get install dataset-fashion-mnist` or set " + FashionMnist.DIR_VARIABLE);
        }
        plots.prepare();
        FashionMnist train = FashionMnist.train();
        if (trainSubset > 0) {
            train = train.subset(trainSubset, seed);
        }
        FashionMnist eval;
        if (validationSize > 0) {
            FashionMnist.Split split = train.split(validationSize, seed);
            train = split.train();
            eval = split.validation();
        } else {
            eval = FashionMnist.test();
            if (testSubset > 0) {
                eval = eval.subset(testSubset, seed);
            }
        }
        System.err.printf(Locale.ROOT, "private training set: %s (%d); evaluated on: %s (%d)%n", train.name(),
                train.size(), eval.name(), eval.size());

        ScatteringTransform st = ScatterNetFeatures.transform(threads);
        System.err.println("feature map: " + st.description() + "; " + st.cost());
        ScatterNetFeatures.Timing[] timing = {new ScatterNetFeatures.Timing(0, 0)};
        INDArray trainS = ScatterNetFeatures.scatter(st, train, cache, timing);
        INDArray evalS = ScatterNetFeatures.scatter(st, eval, cache, timing);
        FeaturePipeline pipeline = groups > 0 ? FeaturePipeline.of(new GroupNormalize(st.channels(), groups))
                : FeaturePipeline.identity();
        System.err.println("post-processing: " + pipeline.describe().replace('\n', ';') + "; costs " + pipeline.costs());
        INDArray trainX = ScatterNetFeatures.apply(pipeline, trainS);
        INDArray evalX = ScatterNetFeatures.apply(pipeline, evalS);
        ScatterNetFeatures.release(trainS, evalS);

        long steps = Math.max(1, Math.round(epochs * train.size() / batch));
        HeadConfig.Builder cfg = HeadConfig.builder().mode(HeadMode.POISSON).expectedBatchSize(batch).steps(steps)
                .clipNorm(clip).learningRate(lr).momentum(momentum).delta(delta)
                .accountant(AccountantType.parse(accountant)).mechanism("scatternet-head-dpsgd");
        if (sigma > 0) {
            cfg.noiseMultiplier(sigma);
        } else {
            cfg.targetEpsilon(epsilon);
        }
        if (seededNoise) {
            cfg.seed(seed);
        }
        Path ledgerFile = ledger != null ? ledger : Files.createTempFile("scatternet-head", ".jsonl");
        Files.deleteIfExists(ledgerFile);
        HeadResult r;
        double[] eps = new double[4];
        String epsLine;
        try (PrivacyLedger l = PrivacyLedger.open(ledgerFile)) {
            r = HeadTrainer.train(FeatureSource.inMemory(trainX, train.oneHotLabels()), cfg.build(), l,
                    System.err::println);
            epsLine = ScatterNetFeatures.epsilons(l.toEvent(), delta, eps);
        }
        System.err.println(epsLine);
        if (plots.enabled()) {
            plots.writeEpsilonCurve(ledgerFile, delta, ScatterNetFeatures.curveMethods(delta), NAME, System.err::println);
        }
        double acc = r.head().accuracy(evalX, eval.oneHotLabels());
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Result(acc, eval.name(), train.size(), eval.size(), r.report().noiseMultiplier(), steps,
                (double) batch / train.size(), eps[0], eps[1], eps[2], eps[3], r.report().sampling(), ledgerFile,
                timing[0].secondsPer10k(), timing[0].images(), r.seconds(), seconds);
    }

    @Override
    public Integer call() throws Exception {
        Result r = run();
        System.out.printf(Locale.ROOT, "%s accuracy %.4f (%d examples) after %d DP-SGD steps on %d private examples, "
                        + "sigma %.4f, q %.5f%n", validationSize > 0 ? "validation" : "test", r.accuracy(), r.evalSize(),
                r.steps(), r.trainSize(), r.noiseMultiplier(), r.samplingRate());
        System.out.printf(Locale.ROOT, "epsilon at delta=%.0e: RDP %.4f (improved conversion), RDP %.4f (classic "
                + "conversion), PLD %.4f; sampling: %s%n", delta, r.epsilonRdp(), r.epsilonRdpClassic(), r.epsilonPld(),
                r.sampling());
        System.out.printf(Locale.ROOT, "ledger: %s; scattering %.1f s per 10k images (%d computed), head training %.1f s, "
                + "total %.0f s%n", r.ledger(), r.scatterSecondsPer10k(), r.scatteredImages(), r.trainSeconds(),
                r.seconds());
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("accuracy", r.accuracy());
            o.put("evaluated_on", r.evaluatedOn());
            o.put("eval_size", r.evalSize());
            o.put("train_size", r.trainSize());
            o.put("noise_multiplier", r.noiseMultiplier());
            o.put("steps", r.steps());
            o.put("sampling_rate", r.samplingRate());
            o.put("epsilon_rdp", r.epsilonRdp());
            o.put("epsilon_rdp_classic", r.epsilonRdpClassic());
            o.put("epsilon_pld", r.epsilonPld());
            o.put("pld_error_bound", r.pldErrorBound());
            o.put("delta", delta);
            o.put("sampling", r.sampling());
            o.put("secure_noise", !seededNoise);
            o.put("groups", groups);
            o.put("lr", lr);
            o.put("batch", batch);
            o.put("clip", clip);
            o.put("epochs", epochs);
            o.put("seed", seed);
            o.put("scatter_seconds_per_10k", r.scatterSecondsPer10k());
            o.put("train_seconds", r.trainSeconds());
            o.put("seconds", r.seconds());
            o.put("ledger", r.ledger().toString());
            System.out.println(new ObjectMapper().writeValueAsString(o));
        }
        return 0;
    }
}
