package org.dpdl4j.examples.head;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.dl4j.features.FeatureExtractor;
import org.dpdl4j.dl4j.head.HeadConfig;
import org.dpdl4j.dl4j.head.HeadResult;
import org.dpdl4j.dl4j.head.HeadTrainer;
import org.dpdl4j.dl4j.head.LearningRateSchedule;
import org.dpdl4j.dl4j.postprocess.FeaturePipeline;
import org.dpdl4j.examples.data.FashionMnist;
import org.dpdl4j.spark.SparkFeatureExtraction;
import org.dpdl4j.spark.SparkFeatures;
import org.dpdl4j.spark.SparkHeadData;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The private-head demo on Apache Spark: the same public/private split, frozen CNN (pretrained on the
 * public split, shared with {@code bin/example private-head} through the backbone cache) and
 * post-processing fitted on public features; the private split's raw images are spread over Spark
 * partitions, the backbone is broadcast and run per partition ({@link SparkFeatureExtraction}), the
 * features are cached on the executors, and full-batch NoisyGD trains the head with one
 * {@code treeAggregate} of clipped sums per step, noise and ledger on the driver ({@link SparkHeadData}).
 * Runs in-process on {@code local[*]} by default; under {@code spark-submit} the cluster's master is used.
 *
 * <p>Privacy assumption: as {@code private-head}: the public split is public, ε covers the private
 * examples only; the executors hold the private images and features in clear.
 */
@Command(name = "spark-head", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Frozen CNN features extracted on Spark + a NoisyGD head trained on Spark, Fashion-MNIST, at (epsilon, delta).")
public final class SparkHeadFashionMnist implements Callable<Integer> {

    /** The single-machine demo's defaults: the two runs share their split, backbone (cache) and head settings. */
    private static final PrivateHeadFashionMnist DEMO = new PrivateHeadFashionMnist();

    @Option(names = "--master", description = "Spark master when not run by spark-submit (default: ${DEFAULT-VALUE}).")
    String master = "local[*]";

    @Option(names = "--partitions", description = "Partitions of the private data; 0 = the default parallelism (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--epsilon", description = "Target epsilon (default: ${DEFAULT-VALUE}).")
    double epsilon = DEMO.epsilon;

    @Option(names = "--delta", description = "Delta (default: ${DEFAULT-VALUE}).")
    double delta = DEMO.delta;

    @Option(names = "--public-size", description = "Public examples taken from the training set (default: ${DEFAULT-VALUE}).")
    int publicSize = DEMO.publicSize;

    @Option(names = "--private-size", description = "Use only this many private examples (0 = all the rest).")
    int privateSize;

    @Option(names = "--test-size", description = "Evaluate on this many test examples (0 = all).")
    int testSize;

    @Option(names = "--pretrain-epochs", description = "Non-private pretraining epochs on the public split (default: ${DEFAULT-VALUE}).")
    int pretrainEpochs = DEMO.pretrainEpochs;

    @Option(names = "--pca", description = "PCA dimension fitted on public data; 0 = none (default: ${DEFAULT-VALUE}).")
    int pca = DEMO.pca;

    @Option(names = "--steps", description = "NoisyGD steps (default: ${DEFAULT-VALUE}).")
    int steps = DEMO.steps;

    @Option(names = "--lr", description = "Initial learning rate, cosine-decayed to lr/20 (default: ${DEFAULT-VALUE}).")
    double lr = DEMO.lr;

    @Option(names = "--momentum", description = "Heavy-ball momentum (default: ${DEFAULT-VALUE}).")
    double momentum = DEMO.momentum;

    @Option(names = "--clip", description = "Clip norm C (default: ${DEFAULT-VALUE}).")
    double clip = DEMO.clip;

    @Option(names = "--seed", description = "Seed of the public split and the CNN initialisation (default: ${DEFAULT-VALUE}).")
    long seed = DEMO.seed;

    @Option(names = "--parquet", description = "Also write the private features to this Parquet directory (they are private data in clear).")
    Path parquet;

    @Option(names = "--out", description = "Output directory for the ledger (default: a new temporary directory).")
    Path out;

    @Option(names = "--cache-dir", description = "Backbone cache, shared with private-head (default: ${DEFAULT-VALUE}).")
    Path cacheDir = DEMO.cacheDir;

    /** Progress lines go here (standard error). */
    Consumer<String> log = System.err::println;

    /** What a run produced. */
    public record Result(double testAccuracy, double epsilon, double noiseMultiplier, Path ledger, int partitions,
                         double seconds) {
    }

    /**
     * Spark logs every task at INFO; the examples log through slf4j-simple, which reads a logger's level when
     * Spark creates it, so this must run before the session starts. An explicit setting is kept.
     */
    static void quietSpark() {
        for (String logger : new String[] {"org.apache.spark", "org.sparkproject", "org.apache.hadoop"}) {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) {
                System.setProperty(key, "warn");
            }
        }
    }

    public Result run() throws Exception {
        long t0 = System.nanoTime();
        quietSpark();
        if (!FashionMnist.isAvailable()) {
            throw new IllegalStateException("Fashion-MNIST not found in " + FashionMnist.directory()
                    + ": install it with `sudo apt-get install dataset-fashion-mnist` (or set "
                    + FashionMnist.DIR_VARIABLE + " to a directory holding its four .gz files)");
        }
        FashionMnist all = FashionMnist.train();
        if (publicSize < 1 || publicSize > all.size() / 10) {
            throw new IllegalArgumentException("public size must lie in [1, " + all.size() / 10 + "] (10% of the training set)");
        }
        FashionMnist.Split split = all.split(publicSize, seed);
        FashionMnist pub = split.validation();
        FashionMnist priv = privateSize > 0 ? split.train().subset(privateSize, seed) : split.train();
        FashionMnist test = testSize > 0 ? FashionMnist.test().subset(testSize, seed) : FashionMnist.test();
        Path dir = out != null ? out : Files.createTempDirectory("spark-head");
        Files.createDirectories(dir);

        // The backbone and the post-processing see only the public split; they run on the driver.
        PrivateHeadFashionMnist.Backbone backbone = PrivateHeadFashionMnist.backbone(pub, seed, publicSize,
                pretrainEpochs, DEMO.pretrainBatch, DEMO.pretrainLr, cacheDir, log);
        MultiLayerNetwork net = backbone.net();
        int layer = PrivateHeadFashionMnist.FEATURE_LAYER;
        FeatureExtractor local = FeatureExtractor.ofLayerOnEngine(net, layer).withBatchSize(1000);
        FeaturePipeline pipeline = PrivateHeadFashionMnist.postProcessing(local.extract(pub.features()), true, pca);

        SparkConf conf = new SparkConf().setAppName("dpdl4j spark-head");
        boolean submitted = conf.contains("spark.master");
        if (!submitted) {
            conf.setMaster(master).set("spark.ui.enabled", "false");
        }
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            int parts = partitions > 0 ? partitions : sc.defaultParallelism();
            log.accept(String.format(Locale.ROOT, "spark: master %s, %d partitions of the %d private images",
                    sc.master(), parts, priv.size()));
            // Here the images start on the driver; on a cluster they would be read from HDFS/S3 (docs/spark.md).
            SparkFeatures images = SparkFeatures.parallelize(sc, priv.features(), priv.labels(), FashionMnist.CLASSES,
                    parts);
            SparkFeatures features = SparkFeatureExtraction.extract(images, net, layer, pipeline, 1000)
                    .persist(StorageLevel.MEMORY_ONLY());
            if (parquet != null) {
                features.writeParquet(spark, parquet.toString());
                log.accept("features written to " + parquet + " (private data in clear)");
            }
            HeadConfig config = HeadConfig.builder().clipNorm(clip).steps(steps)
                    .learningRate(LearningRateSchedule.cosine(lr, lr / 20)).momentum(momentum)
                    .targetEpsilon(epsilon).delta(delta).build();
            Path ledgerFile = dir.resolve("ledger.jsonl");
            Files.deleteIfExists(ledgerFile);
            HeadResult r;
            try (PrivacyLedger ledger = PrivacyLedger.open(ledgerFile)) {
                r = HeadTrainer.train(SparkHeadData.of(features), config, ledger, log);
            }
            features.unpersist();
            INDArray testF = pipeline.apply(local.extract(test.features()));
            double acc = r.head().accuracy(testF, test.oneHotLabels());
            return new Result(acc, r.report().epsilon(), r.report().noiseMultiplier(), ledgerFile, parts,
                    (System.nanoTime() - t0) / 1e9);
        } finally {
            if (!submitted) {
                spark.stop();
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        Result r = run();
        System.out.printf(Locale.ROOT, "test accuracy %.4f at (epsilon=%.4f, delta=%.0e), sigma %.3f, %d NoisyGD steps on "
                + "Spark (%d partitions); %.0f s%n", r.testAccuracy(), r.epsilon(), delta, r.noiseMultiplier(), steps,
                r.partitions(), r.seconds());
        System.out.println("ledger: " + r.ledger());
        return 0;
    }
}
