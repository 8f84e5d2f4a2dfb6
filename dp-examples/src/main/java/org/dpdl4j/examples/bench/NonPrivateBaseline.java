package org.dpdl4j.examples.bench;

import java.util.Objects;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Speed of ordinary, non-private DL4J training: the yardstick that DP-SGD overheads are quoted against. Measure it in
 * the same process and on the same batch as the private run, so that JVM, thread and machine conditions match.
 */
public final class NonPrivateBaseline {

    private NonPrivateBaseline() {
    }

    /**
     * Median wall-clock milliseconds of one {@code net.fit(batch)} call, after {@code warmup} untimed calls.
     * Trains {@code net} on {@code batch} {@code warmup + steps} times, so pass a network whose parameters may change.
     */
    public static double msPerStep(MultiLayerNetwork net, DataSet batch, int warmup, int steps) {
        return measure(net, batch, warmup, steps).medianMs();
    }

    /** As {@link #msPerStep}, with the full timing summary. */
    public static Timing.Result measure(MultiLayerNetwork net, DataSet batch, int warmup, int steps) {
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(batch, "batch");
        if (warmup < 0 || steps < 1) {
            throw new IllegalArgumentException("need warmup >= 0 and steps >= 1, got " + warmup + " and " + steps);
        }
        return Timing.measure(warmup, steps, () -> net.fit(batch));
    }
}
