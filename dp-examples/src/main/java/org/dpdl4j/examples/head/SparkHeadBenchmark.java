package org.dpdl4j.examples.head;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.dl4j.head.HeadConfig;
import org.dpdl4j.dl4j.head.HeadTrainer;
import org.dpdl4j.spark.FeatureBlock;
import org.dpdl4j.spark.SparkFeatures;
import org.dpdl4j.spark.SparkHeadData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Scale-out efficiency of the distributed NoisyGD head: the time of one full-batch step (broadcast of W,
 * per-partition clipped sums, {@code treeAggregate}, noise, ledger append, update) on Spark {@code local[1]}
 * and {@code local[2]} over the same cached synthetic features, and efficiency = t1 / (2·t2) (1 = perfect
 * scaling to two cores). Each step time is the slope between runs of 1 and 1+T steps, so set-up (the row
 * check, calibration) is excluded. The features (float32, n×d, 4·n·d bytes) are generated on the executors
 * and cached in memory: 1M×512 needs a heap of about 3 GB (BENCH_JAVA_OPTS=-Xmx6g). Run it with
 * OMP_NUM_THREADS=1: otherwise ND4J's BLAS already spreads one task over every core, and local[1] is not one
 * core.
 *
 * <p>Privacy assumption: none needed; the rows are synthetic and the runs' ledgers (seeded by nothing, secure
 * noise as in production) go to a temporary directory.
 */
@Command(name = "spark-head", mixinStandardHelpOptions = true,
        description = "Distributed NoisyGD head step on Spark local[1] vs local[2]: scale-out efficiency t1/(2 t2).")
public final class SparkHeadBenchmark implements Callable<Integer> {

    @Option(names = "--rows", description = "Synthetic feature rows n (default: ${DEFAULT-VALUE}).")
    long rows = 1_000_000;

    @Option(names = "--d", description = "Feature dimension (default: ${DEFAULT-VALUE}).")
    int d = 512;

    @Option(names = "--k", description = "Classes (default: ${DEFAULT-VALUE}).")
    int k = 10;

    @Option(names = "--partitions", description = "Partitions, the same for every master (default: ${DEFAULT-VALUE}).")
    int partitions = 8;

    @Option(names = "--block-rows", description = "Rows per cached block (default: ${DEFAULT-VALUE}).")
    int blockRows = 16_384;

    @Option(names = "--steps", description = "Extra steps for the slope (default: ${DEFAULT-VALUE}).")
    int steps = 5;

    @Option(names = "--masters", split = ",", description = "Spark masters to compare, the first is the baseline "
            + "(default: local[1],local[2]).")
    List<String> masters = List.of("local[1]", "local[2]");

    @Option(names = "--json", description = "Print one JSON line.")
    boolean json;

    /** Milliseconds per step for each master, and the efficiency of the second against the first. */
    public record Result(Map<String, Double> stepMs, double efficiency) {
    }

    public Result run() throws Exception {
        if (rows < 1 || d < 1 || k < 2 || partitions < 1 || blockRows < 1 || steps < 1 || masters.size() < 2) {
            throw new IllegalArgumentException("need rows, d, partitions, block rows, steps >= 1, k >= 2 and two masters");
        }
        if (!"1".equals(System.getenv("OMP_NUM_THREADS"))) {
            System.err.println("spark-head: OMP_NUM_THREADS is not 1, so ND4J may use several cores per Spark task and "
                    + "local[1] is not one core; set OMP_NUM_THREADS=1 for an efficiency figure");
        }
        SparkHeadFashionMnist.quietSpark();
        Map<String, Double> ms = new LinkedHashMap<>();
        Path dir = Files.createTempDirectory("spark-head-bench");
        for (String master : masters) {
            SparkSession spark = SparkSession.builder().master(master).appName("dpdl4j spark-head bench")
                    .config("spark.ui.enabled", "false").getOrCreate();
            try {
                JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
                SparkFeatures data = synthetic(sc).persist(StorageLevel.MEMORY_ONLY());
                // SparkFeatures.of counted the rows; one more pass makes sure every block is cached before timing.
                data.blocks().count();
                SparkHeadData head = SparkHeadData.of(data);
                int[] run = {0};
                java.util.function.LongUnaryOperator train = t -> {
                    long t0 = System.nanoTime();
                    try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve(master.replaceAll("\\W", "") + "-"
                            + (run[0]++) + ".jsonl"))) {
                        HeadTrainer.train(head, HeadConfig.builder().clipNorm(1).steps(t).learningRate(1)
                                .noiseMultiplier(5).delta(1e-6).build(), ledger, line -> { });
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    return System.nanoTime() - t0;
                };
                train.applyAsLong(1); // warm-up: JIT, broadcast machinery
                long one = train.applyAsLong(1);
                long many = train.applyAsLong(1 + steps);
                double step = (many - one) / 1e6 / steps;
                ms.put(master, step);
                System.err.printf(Locale.ROOT, "spark-head: %s, %d partitions: %.1f ms per step%n", master, partitions, step);
                data.unpersist();
            } finally {
                spark.stop();
            }
        }
        double t1 = ms.get(masters.get(0));
        double t2 = ms.get(masters.get(1));
        return new Result(ms, t1 / (2 * t2));
    }

    /** n rows of N(0, 1/d) floats and uniform labels, generated per partition from its index (deterministic). */
    private SparkFeatures synthetic(JavaSparkContext sc) {
        long n = rows;
        int width = d;
        int classes = k;
        int parts = partitions;
        int block = blockRows;
        List<Integer> ids = new ArrayList<>();
        IntStream.range(0, parts).forEach(ids::add);
        JavaRDD<FeatureBlock> blocks = sc.parallelize(ids, parts).flatMap(p -> {
            long from = n * p / parts;
            long to = n * (p + 1) / parts;
            SplittableRandom r = new SplittableRandom(1_000_003L * p + 17);
            List<FeatureBlock> out = new ArrayList<>();
            double scale = 1 / Math.sqrt(width);
            for (long start = from; start < to; start += block) {
                int m = (int) Math.min(block, to - start);
                float[] v = new float[m * width];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (r.nextGaussian() * scale);
                }
                int[] y = new int[m];
                for (int i = 0; i < m; i++) {
                    y[i] = r.nextInt(classes);
                }
                out.add(FeatureBlock.of(v, width, y));
            }
            return out.iterator();
        });
        return SparkFeatures.of(blocks, width, classes);
    }

    @Override
    public Integer call() throws Exception {
        Result r = run();
        System.out.printf(Locale.ROOT, "spark-head: n=%d, d=%d, k=%d, %d partitions: %s; scale-out efficiency "
                + "t1/(2 t2) = %.3f%n", rows, d, k, partitions, r.stepMs(), r.efficiency());
        if (json) {
            ObjectMapper m = new ObjectMapper();
            ObjectNode o = m.createObjectNode();
            o.put("benchmark", "spark-head");
            o.put("rows", rows);
            o.put("d", d);
            o.put("k", k);
            o.put("partitions", partitions);
            o.put("steps", steps);
            ObjectNode s = o.putObject("step_ms");
            r.stepMs().forEach(s::put);
            o.put("efficiency", r.efficiency());
            o.put("cores", Runtime.getRuntime().availableProcessors());
            o.put("omp_num_threads", String.valueOf(System.getenv("OMP_NUM_THREADS")));
            System.out.println(m.writeValueAsString(o));
        }
        return 0;
    }
}
