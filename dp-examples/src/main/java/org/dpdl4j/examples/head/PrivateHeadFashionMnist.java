package org.dpdl4j.examples.head;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.dl4j.diagnostics.NeuralCollapse;
import org.dpdl4j.dl4j.diagnostics.Perturbation;
import org.dpdl4j.dl4j.export.PrivateModelBundle;
import org.dpdl4j.dl4j.export.PrivateModelExport;
import org.dpdl4j.dl4j.features.FeatureExtractor;
import org.dpdl4j.dl4j.features.FeatureSource;
import org.dpdl4j.dl4j.head.HeadConfig;
import org.dpdl4j.dl4j.head.HeadResult;
import org.dpdl4j.dl4j.head.HeadTrainer;
import org.dpdl4j.dl4j.head.LearningRateSchedule;
import org.dpdl4j.dl4j.postprocess.FeaturePipeline;
import org.dpdl4j.dl4j.postprocess.L2Normalize;
import org.dpdl4j.dl4j.postprocess.Pca;
import org.dpdl4j.dl4j.postprocess.Standardization;
import org.dpdl4j.examples.data.FashionMnist;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The private-head pipeline of "Neural Collapse Meets Differential Privacy" on Fashion-MNIST:
 * <ol>
 * <li>a "public" split, {@code FashionMnist.train().split(publicSize, seed).validation()} (default 6,000
 * examples = 10% of the training set, drawn by {@code seed}), pretrains a small CNN non-privately;</li>
 * <li>the CNN is frozen and its 128-dimensional penultimate layer is the feature map; L2 normalisation,
 * centring and PCA are fitted on the public split only (free);</li>
 * <li>a softmax head is trained with full-batch NoisyGD on the other 54,000 examples at (ε, δ), σ
 * calibrated with the exact Gaussian accountant;</li>
 * <li>test accuracy, ε, the ledger path and NC diagnostics of the public features are printed, and the
 * model (backbone + post-processing + head as one DL4J network) is saved with its ledger and report.</li>
 * </ol>
 * The test set is only used for the final accuracy; nothing is tuned on it.
 *
 * <p>Privacy assumption: the public split is treated as public data; ε covers the 54,000 private
 * examples only. Pretraining, PCA and diagnostics see only the public split.
 */
@Command(name = "private-head", mixinStandardHelpOptions = true,
        description = "Frozen CNN features + NoisyGD softmax head on Fashion-MNIST at (epsilon, delta).")
public final class PrivateHeadFashionMnist implements Callable<Integer> {

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

    @Option(names = "--pca", description = "PCA dimension k fitted on public data; 0 = no PCA (default: ${DEFAULT-VALUE}).")
    int pca = 64;

    @Option(names = "--no-normalize", description = "Skip the L2 normalisation steps.")
    boolean noNormalize;

    @Option(names = "--steps", description = "NoisyGD steps (default: ${DEFAULT-VALUE}).")
    int steps = 200;

    @Option(names = "--lr", description = "Initial learning rate, cosine-decayed (default: ${DEFAULT-VALUE}).")
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

    @Option(names = "--json", description = "Print one JSON result line at the end.")
    boolean json;

    /** What a run produced. */
    public record Result(double testAccuracy, double epsilon, double noiseMultiplier, Path ledger, Path bundle,
                         NeuralCollapse.Result diagnostics, Map<String, Double> perturbed, double nonPrivateAccuracy,
                         double seconds) {
    }

    static MultiLayerNetwork cnn(long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT)
                .updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER).convolutionMode(ConvolutionMode.Truncate).list()
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

    /** Index of the 128-unit feature layer in {@link #cnn}. */
    static final int FEATURE_LAYER = 4;

    public Result run() throws Exception {
        long t0 = System.nanoTime();
        if (!FashionMnist.isAvailable()) {
            throw new IllegalStateException("Fashion-MNIST not found in " + FashionMnist.directory()
                    + ". Install it with `apt-get install dataset-fashion-mnist` or set " + FashionMnist.DIR_VARIABLE);
        }
        FashionMnist all = FashionMnist.train();
        if (publicSize < 1 || publicSize > all.size() / 10) {
            throw new IllegalArgumentException("public size must lie in [1, " + all.size() / 10 + "] (10% of the training set)");
        }
        FashionMnist.Split split = all.split(publicSize, seed);
        FashionMnist pub = split.validation();
        FashionMnist priv = privateSize > 0 ? split.train().subset(privateSize, seed) : split.train();
        FashionMnist test = testSize > 0 ? FashionMnist.test().subset(testSize, seed) : FashionMnist.test();
        System.err.printf(Locale.ROOT, "public split: %s (%d examples); private: %s (%d); test: %d%n", pub.name(),
                pub.size(), priv.name(), priv.size(), test.size());

        MultiLayerNetwork net = cnn(seed);
        DataSet pubSet = pub.toDataSet();
        for (int e = 0; e < pretrainEpochs; e++) {
            pubSet.shuffle(seed + e);
            List<DataSet> batches = pubSet.batchBy(64);
            for (DataSet b : batches) {
                net.fit(b);
            }
            System.err.printf(Locale.ROOT, "pretrain (non-private, public split) epoch %d/%d, %.0f s%n", e + 1,
                    pretrainEpochs, (System.nanoTime() - t0) / 1e9);
        }

        FeatureExtractor ex = FeatureExtractor.ofLayer(net, FEATURE_LAYER).withBatchSize(500)
                .withProgress(System.err::println);
        INDArray pubF = ex.extract(pub.features());
        INDArray privF = ex.extract(priv.features());
        INDArray testF = ex.extract(test.features());
        INDArray pubY = pub.oneHotLabels();
        INDArray privY = priv.oneHotLabels();
        INDArray testY = test.oneHotLabels();

        NeuralCollapse.Result nc = NeuralCollapse.onPublicData(pubF, pubY);
        System.err.println(nc);

        FeaturePipeline pipeline = FeaturePipeline.identity();
        if (!noNormalize) {
            pipeline = pipeline.then(new L2Normalize(1.0));
        }
        INDArray pubN = pipeline.apply(pubF);
        pipeline = pipeline.then(Standardization.fitPublic(pubN, false));
        if (pca > 0) {
            pipeline = pipeline.then(Pca.fitPublic(pubN, pca, true));
        }
        if (!noNormalize) {
            pipeline = pipeline.then(new L2Normalize(1.0));
        }
        System.err.println("post-processing (all fitted on the public split):\n" + pipeline.describe());

        Path dir = out != null ? out : Files.createTempDirectory("private-head");
        Files.createDirectories(dir);
        Path ledgerFile = dir.resolve("ledger.jsonl");
        Files.deleteIfExists(ledgerFile);
        INDArray privP = pipeline.apply(privF);
        INDArray testP = pipeline.apply(testF);
        HeadConfig cfg = HeadConfig.builder().clipNorm(clip).steps(steps)
                .learningRate(LearningRateSchedule.cosine(lr, lr / 20)).momentum(momentum)
                .targetEpsilon(epsilon).delta(delta).build();
        HeadResult r;
        try (PrivacyLedger ledger = PrivacyLedger.open(ledgerFile)) {
            r = HeadTrainer.train(FeatureSource.inMemory(privP, privY), cfg, ledger, System.err::println);
        }
        double acc = r.head().accuracy(testP, testY);

        Map<String, Double> perturbed = new LinkedHashMap<>();
        double meanNorm = testF.norm2(1).meanNumber().doubleValue();
        for (double rel : new double[] {0.1, 0.5}) {
            Perturbation p = Perturbation.gaussianOfNorm(rel * meanNorm, 7);
            perturbed.put("gaussian " + rel + "x mean norm", p.accuracy(r.head(), pipeline::apply, testF, testY));
        }
        Perturbation off = Perturbation.randomOffset((int) testF.size(1), 0.5 * meanNorm, 8);
        perturbed.put("offset 0.5x mean norm", off.accuracy(r.head(), pipeline::apply, testF, testY));

        double npAcc = Double.NaN;
        if (nonPrivate) {
            // Huge sigma-free comparison: no clipping (C far above any gradient norm) and a seeded, negligible noise.
            HeadConfig np = HeadConfig.builder().clipNorm(1e6).steps(steps)
                    .learningRate(LearningRateSchedule.cosine(lr, lr / 20)).momentum(momentum).noiseMultiplier(1e-12)
                    .delta(delta).seed(seed).build();
            try (PrivacyLedger scratch = PrivacyLedger.open(Files.createTempFile("non-private", ".jsonl"))) {
                npAcc = HeadTrainer.train(FeatureSource.inMemory(privP, privY), np, scratch).head().accuracy(testP, testY);
            }
        }

        MultiLayerNetwork exported = PrivateModelExport.toNetwork(net, FEATURE_LAYER, pipeline, r.head());
        Map<String, String> context = new LinkedHashMap<>();
        context.put("public split", pub.name() + ": " + pub.size() + " training examples chosen by seed " + seed
                + " (FashionMnist.train().split(" + publicSize + ", " + seed + ").validation())");
        context.put("private data", priv.name() + ": " + priv.size() + " examples");
        context.put("test accuracy", String.format(Locale.ROOT, "%.4f on %d test examples", acc, test.size()));
        PrivateModelBundle.save(dir.resolve("bundle"), exported, pipeline, r.report(), nc, context);
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Result(acc, r.report().epsilon(), r.report().noiseMultiplier(), ledgerFile, dir.resolve("bundle"), nc,
                perturbed, npAcc, seconds);
    }

    @Override
    public Integer call() throws Exception {
        Result r = run();
        System.out.printf(Locale.ROOT, "test accuracy %.4f at (epsilon=%.4f, delta=%.0e), sigma %.3f, %d NoisyGD steps; "
                + "%.0f s%n", r.testAccuracy(), r.epsilon(), delta, r.noiseMultiplier(), steps, r.seconds());
        System.out.println("ledger: " + r.ledger());
        System.out.println("model bundle: " + r.bundle());
        System.out.println(r.diagnostics());
        r.perturbed().forEach((k, v) -> System.out.printf(Locale.ROOT, "accuracy under %s: %.4f%n", k, v));
        if (!Double.isNaN(r.nonPrivateAccuracy())) {
            System.out.printf(Locale.ROOT, "non-private head (same features, no clipping/noise): %.4f%n",
                    r.nonPrivateAccuracy());
        }
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("test_accuracy", r.testAccuracy());
            o.put("epsilon", r.epsilon());
            o.put("delta", delta);
            o.put("noise_multiplier", r.noiseMultiplier());
            o.put("steps", steps);
            o.put("pca", pca);
            o.put("normalize", !noNormalize);
            o.put("public_size", publicSize);
            o.put("nc1_public", r.diagnostics().nc1());
            o.put("non_private_accuracy", r.nonPrivateAccuracy());
            r.perturbed().forEach((k, v) -> o.put("perturbed: " + k, v));
            o.put("seconds", r.seconds());
            o.put("ledger", r.ledger().toString());
            System.out.println(new ObjectMapper().writeValueAsString(o));
        }
        return 0;
    }
}
