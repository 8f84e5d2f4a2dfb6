package org.dpdl4j.spark;

import java.util.Iterator;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * One local Spark session for the whole test JVM (a JVM holds one SparkContext; starting one costs
 * seconds). local[2,3]: two worker threads, and a failed task is retried (up to 3 attempts), which plain
 * local[2] does not do and the fault-injection tests need.
 */
final class LocalSpark {

    private static SparkSession session;

    private LocalSpark() {
    }

    static synchronized SparkSession session() {
        if (session == null) {
            session = SparkSession.builder().master("local[2,3]").appName("dp-spark-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.sql.shuffle.partitions", "4")
                    .getOrCreate();
            session.sparkContext().setLogLevel("WARN");
            Runtime.getRuntime().addShutdownHook(new Thread(session::stop));
        }
        return session;
    }

    static JavaSparkContext context() {
        return JavaSparkContext.fromSparkContext(session().sparkContext());
    }

    /** Injected failures so far (local mode: tasks run in this JVM, so a static counter sees them). */
    static final AtomicInteger INJECTED = new AtomicInteger();

    /**
     * The same blocks, but the first attempt of every task on {@code partition} fails after it has read all
     * of its blocks: the failure hits a task that already computed its partial sum, and Spark retries it.
     */
    static JavaRDD<FeatureBlock> failingFirstAttempt(JavaRDD<FeatureBlock> blocks, int partition) {
        return blocks.mapPartitionsWithIndex((p, it) -> p != partition ? it : new Iterator<FeatureBlock>() {
            @Override
            public boolean hasNext() {
                boolean more = it.hasNext();
                if (!more && TaskContext.get().attemptNumber() == 0) {
                    INJECTED.incrementAndGet();
                    throw new IllegalStateException("injected failure of partition " + partition + ", attempt 0");
                }
                return more;
            }

            @Override
            public FeatureBlock next() {
                return it.next();
            }
        }, true);
    }
}
