/**
 * dp-spark: private heads and small-network DP-SGD on Apache Spark (provided scope). Distributed feature
 * extraction ({@link org.dpdl4j.spark.SparkFeatureExtraction}) and features ({@link org.dpdl4j.spark.SparkFeatures});
 * the head's per-step clipped sums over the cluster ({@link org.dpdl4j.spark.SparkHeadData}, trained by dp-dl4j's
 * {@code HeadTrainer}); synchronous DP-SGD ({@link org.dpdl4j.spark.SparkDpSgd}). Noise, accounting and the ledger
 * always run once per step on the driver. Design, Java 17 flags and cluster use: docs/spark.md.
 *
 * <p>Privacy assumption: executors and the driver are trusted with the private data; only what the driver
 * releases after noise leaves the cluster.
 */
package org.dpdl4j.spark;
