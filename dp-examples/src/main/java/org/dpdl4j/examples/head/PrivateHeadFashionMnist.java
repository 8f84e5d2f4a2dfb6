package org.dpdl4j.examples.head;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.core.engine.PerExampleEngine;
import org.dpdl4j.core.engine.PerExampleGradients;
import org.dpdl4j.dl4j.diagnostics.NeuralCollapse;
import org.dpdl4j.dl4j.diagnostics.Perturbation;
import org.dpdl4j.dl4j.export.PrivateModelBundle;
import org.dpdl4j.dl4j.export.PrivateModelExport;
import org.dpdl4j.dl4j.features.FeatureCache;
import org.dpdl4j.dl4j.features.FeatureExtractor;
import org.dpdl4j.dl4j.features.FeatureSource;
import org.dpdl4j.dl4j.head.HeadConfig;
import org.dpdl4j.dl4j.head.HeadMode;
import org.dpdl4j.dl4j.head.HeadResult;
import org.dpdl4j.dl4j.head.HeadTrainer;
import org.dpdl4j.dl4j.head.LearningRateSchedule;
import org.dpdl4j.dl4j.postprocess.FeaturePipeline;
import org.dpdl4j.dl4j.postprocess.L2Normalize;
import org.dpdl4j.dl4j.postprocess.Pca;
import org.dpdl4j.dl4j.postprocess.Standardization;
import org.dpdl4j.examples.data.FashionMnist;
import org.dpdl4j.examples.plots.AccuracyVsEpsilon;
import org.dpdl4j.examples.plots.Charts;
import org.dpdl4j.examples.plots.EpsilonCurve;
import org.dpdl4j.examples.plots.PlotsOption;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The private-head pipeline of "Neural Collapse Meets Differential Privacy" on Fashion-MNIST:
 * <ol>
 * <li>a "public" split pretrains a small CNN non-privately: {@code FashionMnist.train().split(publicSize,
 * seed).validation()}, by default 6,000 training examples (10% of the training set) chosen by a
 * {@code java.util.Random(seed)} Fisher–Yates permutation; their indices are written to
 * {@code public-split-indices.txt} in the output directory;</li>
 * <li>the CNN is frozen and its 128-dimensional penultimate layer is the feature map (extracted on dp-core's
 * engine, batched, with progress); L2 normalisation, centring and PCA are fitted on the public split only
 * (free);</li>
 * <li>a softmax head is trained with full-batch NoisyGD on the other 54,000 examples at (ε, δ), σ calibrated
 * with the exact Gaussian accountant (or Poisson DP-SGD straight from the on-disk feature cache with
 * {@code --mode poisson});</li>
 * <li>test accuracy, ε, the ledger path and NC diagnostics of the public features are printed, and the
 * model (backbone + post-processing + head as one DL4J network) is saved with its ledger and report.</li>
 * </ol>
 * The pretrained backbone and the extracted features are cached (keyed by everything that determines them),
 * so later runs with other post-processing or head settings skip steps 1–2. The test set is only used for
 * the final accuracy; nothing is tuned on it.
 *
 * <p>With {@code --epsilons E1,E2,...} step 4 is repeated once per ε on the same features, each head with its
 * own ledger, and the non-private head is trained for reference; no model is exported. Each head is a
 * separate release: publishing several of them spends their composition, which the run prints. With
 * {@code --plots DIR} the run writes ε against steps of its head, or with {@code --epsilons} test accuracy
 * against ε.
 *
 * <p>Privacy assumption: the public split is treated as public data; ε covers the private examples only.
 * Pretraining, the post-processing fits and the diagnostics see only the public split. The feature cache
 * holds the private examples' features in clear: protect or delete it like the raw data.
 */
@Command(name = PrivateHeadFashionMnist.NAME, mixinStandardHelpOptions = true, sortOptions = false,
        description = "Frozen CNN features + normalisation + PCA + a NoisyGD softmax head on Fashion-MNIST at (epsilon, delta).")
public final class PrivateHeadFashionMnist implements Callable<Integer> {

    static final String NAME = "private-head";

    /** Version of the backbone recipe: part of the cache key, bump it when {@link #cnn} or pretraining changes. */
    static final String BACKBONE_RECIPE = "cnn-5x5x16-5x5x32-d128/adam/engine/v2";

    @Option(names = "--epsilon", description = "Target epsilon (default: ${DEFAULT-VALUE}).")
    double epsilon = 3.0;

    @Option(names = "--delta", description = "Delta (default: ${DEFAULT-VALUE}).")
    double delta = 1e-5;

    @Option(names = "--public-size", description = "Public examples taken from the training set (default: ${DEFAULT-VALUE}, at most 10%%).")
    int publicSize = 6000;

    @Option(names = "--private-size", description = "Use only this many private examples (0 = all the rest).")
    int privateSize;

    @Option(names = "--test-size", description = "Evaluate on this many test examples (0 = all).")
    int testSize;

    @Option(names = "--pretrain-epochs", description = "Non-private pretraining epochs on the public split (default: ${DEFAULT-VALUE}).")
    int pretrainEpochs = 10;

    @Option(names = "--pretrain-batch", description = "Pretraining batch size (default: ${DEFAULT-VALUE}).")
    int pretrainBatch = 128;

    @Option(names = "--pretrain-lr", description = "Pretraining Adam learning rate (default: ${DEFAULT-VALUE}).")
    double pretrainLr = 2e-3;

    @Option(names = "--feature-layer", description = "Backbone layer whose activations are the features: 4 = the "
            + "128-unit dense layer, 3 = the last max pooling (512 = 32x4x4), 2 = the second convolution (2048 = 32x8x8) "
            + "(default: ${DEFAULT-VALUE}).")
    int featureLayer = FEATURE_LAYER;

    @Option(names = "--pca", description = "PCA dimension k fitted on public data; 0 = no PCA, all dimensions (default: ${DEFAULT-VALUE}).")
    int pca = 64;

    @Option(names = "--no-normalize", description = "Skip the L2 normalisation steps.")
    boolean noNormalize;

    @Option(names = "--mode", description = "Head training: noisygd (full batch, exact Gaussian accounting) or poisson "
            + "(DP-SGD, RDP accounting, rows read from the on-disk cache) (default: ${DEFAULT-VALUE}).")
    String mode = "noisygd";

    @Option(names = "--batch-size", description = "Expected Poisson batch size for --mode poisson (default: ${DEFAULT-VALUE}).")
    int batchSize = 2700;

    @Option(names = "--steps", description = "Head steps (default: ${DEFAULT-VALUE}).")
    int steps = 200;

    @Option(names = "--lr", description = "Initial learning rate, cosine-decayed to lr/20 (default: ${DEFAULT-VALUE}).")
    double lr = 4.0;

    @Option(names = "--momentum", description = "Heavy-ball momentum (default: ${DEFAULT-VALUE}).")
    double momentum = 0.9;

    @Option(names = "--clip", description = "Clip norm C (default: ${DEFAULT-VALUE}).")
    double clip = 1.0;

    @Option(names = "--non-private", description = "Also train the same head without noise or clipping, for comparison.")
    boolean nonPrivate;

    @Option(names = "--seed", description = "Seed of the public split and the CNN initialisation (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--out", description = "Output directory for the model bundle and ledger (default: a new temporary directory).")
    Path out;

    @Option(names = "--cache-dir", description = "Cache of pretrained backbones and extracted features (default: "
            + "${DEFAULT-VALUE}). It holds the private split's features in clear.")
    Path cacheDir = Path.of(System.getProperty("java.io.tmpdir"), "dpdl4j-private-head-cache");

    @Option(names = "--no-cache", description = "Neither read nor write the cache (pretrain and extract again).")
    boolean noCache;

    @Option(names = "--json", description = "Print one JSON result line at the end.")
    boolean json;

    @Option(names = "--epsilons", split = ",", paramLabel = "E", description = "Instead of one head at "
            + "--epsilon, train one head per epsilon on the same features, each a separate release with its own ledger "
            + "(ledger-eps-<E>.jsonl), and the non-private head; print their test accuracies and the composition of all "
            + "the ledgers. No model bundle is exported.")
    double[] epsilons;

    /**
     * With {@code --plots DIR}: ε against steps of the head (exact Gaussian for NoisyGD, RDP, PLD), or with
     * {@code --epsilons} test accuracy against ε with the non-private head as a reference line.
     */
    @Mixin
    PlotsOption plots = new PlotsOption();

    /** Progress and phase lines go here (standard error). */
    Consumer<String> log = System.err::println;

    /** What a run produced; {@code seconds} maps each phase to its wall-clock seconds. */
    public record Result(double testAccuracy, double epsilon, double noiseMultiplier, Path ledger, Path bundle,
                         NeuralCollapse.Result diagnostics, Map<String, Double> perturbed, double nonPrivateAccuracy,
                         Map<String, Double> nonPrivatePerturbed, double meanTestFeatureNorm,
                         Map<String, Double> seconds, boolean backboneFromCache) {

        /** Total wall-clock seconds. */
        public double totalSeconds() {
            return seconds.getOrDefault("total", Double.NaN);
        }
    }

    static MultiLayerNetwork cnn(long seed, double learningRate) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT)
                .updater(new Adam(learningRate)).weightInit(WeightInit.XAVIER).convolutionMode(ConvolutionMode.Truncate).list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(16).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(32).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Index of the 128-unit feature layer in {@link #cnn}: the default feature layer and the last one allowed. */
    static final int FEATURE_LAYER = 4;

    /**
     * Non-private pretraining with Adam on shuffled minibatches. The forward and backward passes run on dp-core's
     * engine (ND4J native ops; DL4J's own {@code fit} is several times slower for this CNN on CPU); every example's
     * gradient enters the sum unclipped and DL4J's updater divides by the batch size, so this is ordinary
     * minibatch training, the same update DL4J's {@code fit} would make.
     */
    static void pretrain(MultiLayerNetwork net, FashionMnist data, int epochs, int batch, long seed,
                         Consumer<String> log) {
        PerExampleEngine engine = PerExampleEngine.of(net);
        DataSet all = data.toDataSet();
        int perEpoch = (data.size() + batch - 1) / batch;
        long total = (long) perEpoch * epochs;
        long start = System.nanoTime();
        long lastReport = start;
        long done = 0;
        for (int e = 0; e < epochs; e++) {
            all.shuffle(seed + e);
            double lossSum = 0;
            for (DataSet b : all.batchBy(batch)) {
                PerExampleGradients g = engine.compute(b.getFeatures(), b.getLabels());
                lossSum += g.loss().sumNumber().doubleValue();
                g.writeClippedSum(Nd4j.ones(net.params().dataType(), b.numExamples()));
                INDArray grad = net.getFlattenedGradients();
                int iteration = net.getIterationCount();
                net.getUpdater().update(net, new DefaultGradient(grad), iteration, e, b.numExamples(),
                        LayerWorkspaceMgr.noWorkspaces());
                net.params().subi(grad.reshape(net.params().shape()));
                net.setIterationCount(iteration + 1);
                done++;
                long now = System.nanoTime();
                if (now - lastReport > 2_000_000_000L) {
                    lastReport = now;
                    double s = (now - start) / 1e9;
                    log.accept(String.format(Locale.ROOT, "pretrain (non-private, public split): epoch %d/%d, "
                            + "%.0f%% of all batches, %.0f s, about %.0f s left", e + 1, epochs, 100.0 * done / total, s,
                            s / done * (total - done)));
                }
            }
            net.setEpochCount(e + 1);
            log.accept(String.format(Locale.ROOT, "pretrain (non-private, public split): epoch %d/%d done, mean loss "
                    + "%.4f, %.0f s", e + 1, epochs, lossSum / data.size(), (System.nanoTime() - start) / 1e9));
        }
        engine.releaseBuffers();
    }

    private static String sha256(String text) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The frozen backbone: the network, its cache key (the recipe and pretraining settings) and whether it was cached. */
    record Backbone(MultiLayerNetwork net, String key, boolean fromCache) {
    }

    /**
     * The CNN pretrained on the public split, or the one a run with the same recipe and settings cached in
     * {@code cacheDir} ({@code null}: no cache). Shared with the Spark example, which uses the same backbone.
     */
    static Backbone backbone(FashionMnist pub, long seed, int publicSize, int pretrainEpochs, int pretrainBatch,
                             double pretrainLr, Path cacheDir, Consumer<String> log) throws IOException {
        String backboneKey = String.format(Locale.ROOT, "%s|seed=%d|public=%d|epochs=%d|batch=%d|lr=%s", BACKBONE_RECIPE,
                seed, publicSize, pretrainEpochs, pretrainBatch, pretrainLr);
        Path backboneFile = cacheDir == null ? null : cacheDir.resolve("backbone-" + sha256(backboneKey) + ".zip");
        MultiLayerNetwork net;
        boolean backboneCached = backboneFile != null && Files.exists(backboneFile);
        if (backboneCached) {
            net = ModelSerializer.restoreMultiLayerNetwork(backboneFile.toFile(), false);
            log.accept("backbone: reusing " + backboneFile + " (" + backboneKey + ")");
        } else {
            net = cnn(seed, pretrainLr);
            pretrain(net, pub, pretrainEpochs, pretrainBatch, seed, log);
            if (backboneFile != null) {
                Files.createDirectories(cacheDir);
                Path tmp = Files.createTempFile(cacheDir, "backbone", ".tmp");
                ModelSerializer.writeModel(net, tmp.toFile(), false);
                Files.move(tmp, backboneFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                Files.writeString(cacheDir.resolve("backbone-" + sha256(backboneKey) + ".txt"), backboneKey + "\n");
            }
        }
        return new Backbone(net, backboneKey, backboneCached);
    }

    /**
     * The post-processing of the demo, fitted on the public features only: L2 normalisation, standardisation,
     * PCA to {@code pca} dimensions (0: none), L2 normalisation again (without the normalisations when
     * {@code normalize} is false).
     */
    static FeaturePipeline postProcessing(INDArray publicFeatures, boolean normalize, int pca) {
        FeaturePipeline pipeline = FeaturePipeline.identity();
        if (normalize) {
            pipeline = pipeline.then(new L2Normalize(1.0));
        }
        INDArray pubN = pipeline.apply(publicFeatures);
        pipeline = pipeline.then(Standardization.fitPublic(pubN, false));
        if (pca > 0) {
            pipeline = pipeline.then(Pca.fitPublic(pubN, pca, true));
        }
        if (normalize) {
            pipeline = pipeline.then(new L2Normalize(1.0));
        }
        return pipeline;
    }

    /**
     * What steps 1–3 produce, the same for every head trained on it: the output directory, the splits, the
     * frozen backbone, the cached features and their post-processing fitted on the public split.
     */
    private record Prepared(Path dir, FashionMnist pub, FashionMnist priv, FashionMnist test, HeadMode mode,
                            String backboneKey, MultiLayerNetwork backbone, boolean backboneCached, Path featureDir,
                            FeatureCache privCache, INDArray testF, INDArray testY, NeuralCollapse.Result nc,
                            FeaturePipeline pipeline, INDArray testP) {
    }

    private Prepared prepare(Map<String, Double> seconds, long t0) throws Exception {
        if (!FashionMnist.isAvailable()) {
            throw new IllegalStateException("Fashion-MNIST not found in " + FashionMnist.directory()
                    + ": install it with `sudo apt-get install dataset-fashion-mnist` (or set "
                    + FashionMnist.DIR_VARIABLE + " to a directory holding its four .gz files)");
        }
        if (featureLayer < 0 || featureLayer > FEATURE_LAYER) {
            throw new IllegalArgumentException("--feature-layer must lie in [0, " + FEATURE_LAYER + "], got " + featureLayer);
        }
        HeadMode headMode = switch (mode.toLowerCase(Locale.ROOT)) {
            case "noisygd" -> HeadMode.FULL_BATCH;
            case "poisson" -> HeadMode.POISSON;
            default -> throw new IllegalArgumentException("--mode must be noisygd or poisson, got " + mode);
        };
        plots.prepare();
        FashionMnist all = FashionMnist.train();
        if (publicSize < 1 || publicSize > all.size() / 10) {
            throw new IllegalArgumentException("public size must lie in [1, " + all.size() / 10 + "] (10% of the training set)");
        }
        FashionMnist.Split split = all.split(publicSize, seed);
        FashionMnist pub = split.validation();
        FashionMnist priv = privateSize > 0 ? split.train().subset(privateSize, seed) : split.train();
        FashionMnist test = testSize > 0 ? FashionMnist.test().subset(testSize, seed) : FashionMnist.test();
        log.accept(String.format(Locale.ROOT, "public split: %s (%d training examples, indices in "
                + "public-split-indices.txt); private: %s (%d); test: %d", pub.name(), pub.size(), priv.name(),
                priv.size(), test.size()));
        Path dir = out != null ? out : Files.createTempDirectory("private-head");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("public-split-indices.txt"), "# Fashion-MNIST training-set indices (0-based) of "
                + "the public split: FashionMnist.train().split(" + publicSize + ", " + seed + ").validation()\n"
                + Arrays.stream(all.validationIndices(publicSize, seed)).mapToObj(Integer::toString)
                .collect(Collectors.joining("\n")) + "\n");
        seconds.put("data", (System.nanoTime() - t0) / 1e9);

        // 1. Backbone: pretrained on the public split, or loaded from the cache.
        long t1 = System.nanoTime();
        Backbone backbone = backbone(pub, seed, publicSize, pretrainEpochs, pretrainBatch, pretrainLr,
                noCache ? null : cacheDir, log);
        MultiLayerNetwork net = backbone.net();
        String backboneKey = backbone.key();
        boolean backboneCached = backbone.fromCache();
        seconds.put("pretrain", (System.nanoTime() - t1) / 1e9);

        // 2. Features of the frozen backbone (public, private, test), through the on-disk cache.
        long t2 = System.nanoTime();
        FeatureExtractor ex = FeatureExtractor.ofLayerOnEngine(net, featureLayer).withBatchSize(1000).withProgress(log);
        Path featureDir = noCache ? Files.createTempDirectory(dir, "features") : cacheDir.resolve("features");
        FeatureCache pubCache = ex.extractToCache(pub.features(), pub.labels(), FashionMnist.CLASSES,
                featureDir.resolve("public-" + sha256(ex.fingerprint() + pub.name())), "fashion-mnist " + pub.name());
        FeatureCache privCache = ex.extractToCache(priv.features(), priv.labels(), FashionMnist.CLASSES,
                featureDir.resolve("private-" + sha256(ex.fingerprint() + priv.name())), "fashion-mnist " + priv.name());
        FeatureCache testCache = ex.extractToCache(test.features(), test.labels(), FashionMnist.CLASSES,
                featureDir.resolve("test-" + sha256(ex.fingerprint() + test.name())), "fashion-mnist " + test.name());
        if (!noCache) {
            log.accept("feature cache: " + featureDir + " (holds the private split's features in clear; delete it when done)");
        }
        INDArray pubF = pubCache.allFeatures();
        INDArray pubY = pubCache.allLabels();
        INDArray testF = testCache.allFeatures();
        INDArray testY = testCache.allLabels();
        seconds.put("features", (System.nanoTime() - t2) / 1e9);

        // 3. Diagnostics and post-processing, on the public split only.
        long t3 = System.nanoTime();
        NeuralCollapse.Result nc = NeuralCollapse.onPublicData(pubF, pubY);
        log.accept(nc.toString());
        FeaturePipeline pipeline = postProcessing(pubF, !noNormalize, pca);
        log.accept("post-processing (all fitted on the public split):\n" + pipeline.describe());
        seconds.put("post-processing", (System.nanoTime() - t3) / 1e9);
        return new Prepared(dir, pub, priv, test, headMode, backboneKey, net, backboneCached, featureDir, privCache,
                testF, testY, nc, pipeline, pipeline.apply(testF));
    }

    /** Trains one private head at {@code targetEpsilon} with its own new ledger: a release of its own. */
    private HeadResult trainHead(Prepared p, double targetEpsilon, Path ledgerFile) throws IOException {
        Files.deleteIfExists(ledgerFile);
        HeadConfig.Builder cfg = HeadConfig.builder().clipNorm(clip).steps(steps)
                .learningRate(LearningRateSchedule.cosine(lr, lr / 20)).momentum(momentum)
                .targetEpsilon(targetEpsilon).delta(delta).mode(p.mode());
        FeatureSource privSource;
        if (p.mode() == HeadMode.POISSON) {
            cfg.expectedBatchSize(batchSize).accountant(AccountantType.RDP);
            privSource = p.pipeline().over(p.privCache());
        } else {
            privSource = inMemoryPrivate(p);
        }
        try (PrivacyLedger ledger = PrivacyLedger.open(ledgerFile)) {
            return HeadTrainer.train(privSource, cfg.build(), ledger, log);
        }
    }

    /** The same schedule without privacy: no clipping (C far above any gradient norm) and negligible seeded noise. */
    private HeadResult trainNonPrivate(Prepared p) throws IOException {
        HeadConfig np = HeadConfig.builder().clipNorm(1e6).steps(steps)
                .learningRate(LearningRateSchedule.cosine(lr, lr / 20)).momentum(momentum).noiseMultiplier(1e-12)
                .delta(delta).seed(seed).build();
        Path scratchFile = Files.createTempFile("non-private", ".jsonl");
        try (PrivacyLedger scratch = PrivacyLedger.open(scratchFile)) {
            return HeadTrainer.train(inMemoryPrivate(p), np, scratch);
        } finally {
            Files.deleteIfExists(scratchFile);
        }
    }

    private static FeatureSource inMemoryPrivate(Prepared p) {
        return FeatureSource.inMemory(p.pipeline().apply(p.privCache().allFeatures()), p.privCache().allLabels());
    }

    /** The accountant of the head's ledger, as {@link HeadConfig} picks it for the mode. */
    private static AccountantType accountantOf(HeadMode mode) {
        return mode == HeadMode.POISSON ? AccountantType.RDP : AccountantType.GAUSSIAN;
    }

    public Result run() throws Exception {
        long t0 = System.nanoTime();
        Map<String, Double> seconds = new LinkedHashMap<>();
        Prepared p = prepare(seconds, t0);
        FeaturePipeline pipeline = p.pipeline();
        INDArray testF = p.testF();
        INDArray testY = p.testY();

        // 4. The private head.
        long t4 = System.nanoTime();
        Path ledgerFile = p.dir().resolve("ledger.jsonl");
        HeadResult r = trainHead(p, epsilon, ledgerFile);
        double acc = r.head().accuracy(p.testP(), testY);
        seconds.put("head", (System.nanoTime() - t4) / 1e9);

        // 5. Evaluation under test-time feature perturbations of the raw features, relative to their mean norm.
        long t5 = System.nanoTime();
        double meanNorm = testF.norm2(1).meanNumber().doubleValue();
        log.accept(String.format(Locale.ROOT, "perturbations are relative to the mean raw feature norm of the test set, %.4f",
                meanNorm));
        Map<String, Perturbation> perturbations = new LinkedHashMap<>();
        for (double rel : new double[] {0.25, 0.5, 1.0}) {
            perturbations.put("gaussian " + rel + "x mean norm", Perturbation.gaussianOfNorm(rel * meanNorm, 7));
        }
        for (double rel : new double[] {0.5, 1.0}) {
            perturbations.put("offset " + rel + "x mean norm", Perturbation.randomOffset((int) testF.size(1),
                    rel * meanNorm, 8));
        }
        Map<String, Double> perturbed = new LinkedHashMap<>();
        perturbations.forEach((name, q) -> perturbed.put(name, q.accuracy(r.head(), pipeline::apply, testF, testY)));

        double npAcc = Double.NaN;
        Map<String, Double> npPerturbed = new LinkedHashMap<>();
        if (nonPrivate) {
            HeadResult npr = trainNonPrivate(p);
            npAcc = npr.head().accuracy(p.testP(), testY);
            perturbations.forEach((name, q) -> npPerturbed.put(name, q.accuracy(npr.head(), pipeline::apply, testF, testY)));
        }
        seconds.put("evaluation", (System.nanoTime() - t5) / 1e9);

        // 6. Export: one DL4J network on raw pixels, with its ledger and report.
        long t6 = System.nanoTime();
        MultiLayerNetwork exported = PrivateModelExport.toNetwork(p.backbone(), featureLayer, pipeline, r.head());
        Map<String, String> context = new LinkedHashMap<>();
        context.put("public split", p.pub().name() + ": " + p.pub().size() + " training examples chosen by seed " + seed
                + " (FashionMnist.train().split(" + publicSize + ", " + seed + ").validation()); indices in "
                + p.dir().resolve("public-split-indices.txt"));
        context.put("private data", p.priv().name() + ": " + p.priv().size() + " examples");
        context.put("backbone", p.backboneKey() + "; features from layer " + featureLayer);
        context.put("test accuracy", String.format(Locale.ROOT, "%.4f on %d test examples", acc, p.test().size()));
        PrivateModelBundle.save(p.dir().resolve("bundle"), exported, pipeline, r.report(), p.nc(), context);
        if (noCache) {
            deleteRecursively(p.featureDir());
        }
        seconds.put("export", (System.nanoTime() - t6) / 1e9);
        if (plots.enabled()) {
            List<EpsilonCurve.Method> methods = new ArrayList<>();
            if (p.mode() == HeadMode.FULL_BATCH) {
                methods.add(EpsilonCurve.Method.of(AccountantType.GAUSSIAN, delta));
            }
            methods.add(EpsilonCurve.Method.of(AccountantType.RDP, delta));
            methods.add(EpsilonCurve.Method.of(AccountantType.PLD, delta));
            plots.writeEpsilonCurve(ledgerFile, delta, methods, NAME, log);
        }
        seconds.put("total", (System.nanoTime() - t0) / 1e9);
        logPhases(seconds);
        return new Result(acc, r.report().epsilon(), r.report().noiseMultiplier(), ledgerFile, p.dir().resolve("bundle"),
                p.nc(), perturbed, npAcc, npPerturbed, meanNorm, seconds, p.backboneCached());
    }

    private void logPhases(Map<String, Double> seconds) {
        log.accept("time per phase (s): " + seconds.entrySet().stream()
                .map(e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue())).collect(Collectors.joining(", ")));
    }

    /**
     * One head of an ε sweep.
     *
     * @param targetEpsilon the ε asked for
     * @param epsilon the ε of its ledger (at most the target)
     * @param noiseMultiplier σ calibrated to it
     * @param testAccuracy its test accuracy
     * @param ledger its own ledger
     */
    public record SweepPoint(double targetEpsilon, double epsilon, double noiseMultiplier, double testAccuracy,
                             Path ledger) {
    }

    /**
     * What {@code --epsilons} produced: one head per ε, each a separate release, and the non-private head on the
     * same features for reference.
     *
     * @param totalEpsilon ε at δ of releasing all the heads: the composition of their ledgers
     * @param totalAccountant the accountant of that composition
     */
    public record Sweep(List<SweepPoint> points, double nonPrivateAccuracy, double totalEpsilon, String totalAccountant,
                        Path dir, Map<String, Double> seconds, boolean backboneFromCache) {
    }

    /** Trains one head per ε of {@code --epsilons} on the features prepared once, and the non-private head. */
    public Sweep sweep() throws Exception {
        if (epsilons == null || epsilons.length == 0) {
            throw new IllegalArgumentException("--epsilons needs at least one value");
        }
        if (Arrays.stream(epsilons).anyMatch(e -> !(e > 0) || Double.isInfinite(e))
                || Arrays.stream(epsilons).distinct().count() != epsilons.length) {
            throw new IllegalArgumentException("--epsilons must be distinct, finite and > 0, got " + Arrays.toString(epsilons));
        }
        long t0 = System.nanoTime();
        Map<String, Double> seconds = new LinkedHashMap<>();
        Prepared p = prepare(seconds, t0);
        long t4 = System.nanoTime();
        List<SweepPoint> points = new ArrayList<>();
        for (double eps : epsilons) {
            Path ledgerFile = p.dir().resolve("ledger-eps-" + Charts.plain(eps)
                    + ".jsonl");
            HeadResult r = trainHead(p, eps, ledgerFile);
            double acc = r.head().accuracy(p.testP(), p.testY());
            log.accept(String.format(Locale.ROOT, "sweep: head at epsilon %s: test accuracy %.4f", Charts.plain(eps), acc));
            points.add(new SweepPoint(eps, r.report().epsilon(), r.report().noiseMultiplier(), acc, ledgerFile));
        }
        double npAcc = trainNonPrivate(p).head().accuracy(p.testP(), p.testY());
        AccountantType accountant = accountantOf(p.mode());
        double total = accountant.create().epsilon(PrivacyLedger.readEvent(points.stream().map(SweepPoint::ledger)
                .toList()), delta).epsilon();
        seconds.put("heads", (System.nanoTime() - t4) / 1e9);
        if (noCache) {
            deleteRecursively(p.featureDir());
        }
        if (plots.enabled()) {
            AccuracyVsEpsilon chart = new AccuracyVsEpsilon("test accuracy")
                    .reference(npAcc, "non-private head, same features (no clipping, no noise)");
            points.forEach(q -> chart.add(q.epsilon(), q.testAccuracy()));
            plots.write(chart.chart("Private head on frozen CNN features: test accuracy against ε",
                    "ε at δ = " + Charts.plain(delta) + " (log scale); each point is a separate release"), NAME, "accuracy-vs-epsilon",
                    Charts.WIDTH, Charts.HEIGHT, log);
        }
        seconds.put("total", (System.nanoTime() - t0) / 1e9);
        logPhases(seconds);
        return new Sweep(points, npAcc, total, accountant.id(), p.dir(), seconds, p.backboneCached());
    }

    @Override
    public Integer call() throws Exception {
        if (epsilons != null) {
            return printSweep(sweep());
        }
        Result r = run();
        System.out.printf(Locale.ROOT, "test accuracy %.4f at (epsilon=%.4f, delta=%.0e), sigma %.3f, %d %s steps; %.0f s%s%n",
                r.testAccuracy(), r.epsilon(), delta, r.noiseMultiplier(), steps,
                mode.equalsIgnoreCase("poisson") ? "Poisson DP-SGD" : "NoisyGD", r.totalSeconds(),
                r.backboneFromCache() ? " (backbone and features from the cache)" : "");
        System.out.println("ledger: " + r.ledger());
        System.out.println("model bundle: " + r.bundle());
        System.out.println(r.diagnostics());
        r.perturbed().forEach((k, v) -> System.out.printf(Locale.ROOT, "accuracy under %s: %.4f%s%n", k, v,
                r.nonPrivatePerturbed().containsKey(k) ? String.format(Locale.ROOT, " (non-private head %.4f)",
                        r.nonPrivatePerturbed().get(k)) : ""));
        if (!Double.isNaN(r.nonPrivateAccuracy())) {
            System.out.printf(Locale.ROOT, "non-private head (same features, no clipping/noise): %.4f%n",
                    r.nonPrivateAccuracy());
        }
        if (json) {
            ObjectMapper m = new ObjectMapper();
            ObjectNode o = m.createObjectNode();
            o.put("test_accuracy", r.testAccuracy());
            o.put("epsilon", r.epsilon());
            o.put("delta", delta);
            o.put("noise_multiplier", r.noiseMultiplier());
            o.put("mode", mode);
            o.put("steps", steps);
            o.put("feature_layer", featureLayer);
            o.put("pca", pca);
            o.put("normalize", !noNormalize);
            o.put("public_size", publicSize);
            o.put("pretrain_epochs", pretrainEpochs);
            ObjectNode nc = o.putObject("nc_public");
            nc.put("nc1", r.diagnostics().nc1());
            nc.put("cosine_mean", r.diagnostics().cosineMean());
            nc.put("etf_distance", r.diagnostics().etfDistance());
            nc.put("norm_cv", r.diagnostics().normCv());
            nc.put("shift_mean", r.diagnostics().shiftMean());
            nc.put("offset", r.diagnostics().offset());
            if (Double.isNaN(r.nonPrivateAccuracy())) {
                o.putNull("non_private_accuracy");
            } else {
                o.put("non_private_accuracy", r.nonPrivateAccuracy());
            }
            o.put("mean_test_feature_norm", r.meanTestFeatureNorm());
            ObjectNode p = o.putObject("perturbed_accuracy");
            r.perturbed().forEach(p::put);
            if (nonPrivate) {
                ObjectNode q = o.putObject("perturbed_accuracy_non_private");
                r.nonPrivatePerturbed().forEach(q::put);
            }
            ObjectNode s = o.putObject("seconds");
            r.seconds().forEach(s::put);
            o.put("backbone_from_cache", r.backboneFromCache());
            o.put("ledger", r.ledger().toString());
            System.out.println(m.writeValueAsString(o));
        }
        return 0;
    }

    private int printSweep(Sweep sw) throws IOException {
        System.out.printf(Locale.ROOT, "%d private heads at delta=%s, %d %s steps each; each is a separate release with "
                + "its own ledger:%n", sw.points().size(), Charts.plain(delta), steps,
                mode.equalsIgnoreCase("poisson") ? "Poisson DP-SGD" : "NoisyGD");
        System.out.println("  target eps  eps (ledger)    sigma  test accuracy  ledger");
        for (SweepPoint q : sw.points()) {
            System.out.printf(Locale.ROOT, "  %10s  %12.4f  %7.3f  %13.4f  %s%n", Charts.plain(q.targetEpsilon()),
                    q.epsilon(), q.noiseMultiplier(), q.testAccuracy(), q.ledger());
        }
        System.out.printf(Locale.ROOT, "non-private head (same features, no clipping/noise): %.4f%n", sw.nonPrivateAccuracy());
        System.out.printf(Locale.ROOT, "releasing all %d heads spends their composition: epsilon %.4f at delta=%s (%s "
                + "accountant over all %d ledgers); report each head with its own epsilon only if the others stay "
                + "unreleased%n", sw.points().size(), sw.totalEpsilon(), Charts.plain(delta), sw.totalAccountant(),
                sw.points().size());
        if (json) {
            ObjectMapper m = new ObjectMapper();
            ObjectNode o = m.createObjectNode();
            ArrayNode heads = o.putArray("heads");
            for (SweepPoint q : sw.points()) {
                heads.addObject().put("target_epsilon", q.targetEpsilon()).put("epsilon", q.epsilon())
                        .put("noise_multiplier", q.noiseMultiplier()).put("test_accuracy", q.testAccuracy())
                        .put("ledger", q.ledger().toString());
            }
            o.put("non_private_accuracy", sw.nonPrivateAccuracy());
            o.put("total_epsilon", sw.totalEpsilon());
            o.put("total_accountant", sw.totalAccountant());
            o.put("delta", delta);
            o.put("mode", mode);
            o.put("steps", steps);
            o.put("feature_layer", featureLayer);
            o.put("pca", pca);
            ObjectNode sec = o.putObject("seconds");
            sw.seconds().forEach(sec::put);
            o.put("backbone_from_cache", sw.backboneFromCache());
            System.out.println(m.writeValueAsString(o));
        }
        return 0;
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
