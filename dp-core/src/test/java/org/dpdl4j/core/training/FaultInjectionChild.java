package org.dpdl4j.core.training;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The training process that the fault tests run in a child JVM and then kill or starve. Not a test
 * itself. Modes:
 * <ul>
 *   <li>{@code fresh DIR UNTIL EVERY} / {@code resume DIR UNTIL EVERY}: seeded DP-SGD on a tiny MLP until
 *   {@link DpSgdTrainer#steps()} reaches UNTIL, checkpointing to DIR/ckpt every EVERY steps. After each
 *   applied step it appends {@code step INDEX d1,d2,...} (the parameter change of that step) to
 *   DIR/progress.txt and forces it to disk; at start it appends {@code start INDEX}, at a normal end
 *   {@code end EPSILON}.</li>
 *   <li>{@code fill DIR}: trains until a step fails (the test runs it under a file-size limit, so the
 *   ledger hits "disk full"), then prints on stdout what failed and whether the failed step, and one more
 *   attempt, left the parameters and updater state unchanged.</li>
 * </ul>
 */
public final class FaultInjectionChild {

    static final int N = 64;
    static final int IN = 5;
    static final int HIDDEN = 16;
    static final double BATCH = 8;
    static final double CLIP = 0.01;
    /** Large, so each step's update is dominated by its noise and a replayed noise stream would show. */
    static final double SIGMA = 100;
    static final double DELTA = 1e-5;
    static final double LEARNING_RATE = 0.01;
    static final long SEED = 7;

    private FaultInjectionChild() {
    }

    public static void main(String[] args) throws Exception {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        Path dir = Path.of(args[1]);
        int rc = switch (args[0]) {
            case "fresh", "resume" -> train(args[0].equals("resume"), dir, Long.parseLong(args[2]), Integer.parseInt(args[3]));
            case "fill" -> fill(dir);
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        };
        // ND4J keeps non-daemon threads; the test reads the exit status.
        System.exit(rc);
    }

    static DataSet data() {
        return DpSgdTrainerTest.data(N, IN, 42);
    }

    /** Plain SGD: a step's parameter change is -lr·(clipped sum + noise)/(q·N), so the noise shows in it. */
    static MultiLayerNetwork network() {
        return network(new Sgd(LEARNING_RATE));
    }

    static MultiLayerNetwork network(IUpdater updater) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE)
                .updater(updater).list()
                .layer(new DenseLayer.Builder().nIn(IN).nOut(HIDDEN).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(HIDDEN).nOut(3).activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }

    static DpSgdConfig config(Path dir) {
        return DpSgdConfig.builder().delta(DELTA).seed(SEED).ledger(dir.resolve("ledger.jsonl")).batchSize(BATCH)
                .clipNorm(CLIP).noiseMultiplier(SIGMA).build();
    }

    private static int train(boolean resume, Path dir, long until, int every) throws IOException {
        DataSet data = data();
        Path ckpt = dir.resolve("ckpt");
        try (DpSgdTrainer t = resume ? DpSgdTrainer.resume(ckpt, data, config(dir))
                : DpSgdTrainer.makePrivate(network(), data, config(dir));
             FileChannel progress = FileChannel.open(dir.resolve("progress.txt"), StandardOpenOption.CREATE,
                     StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            append(progress, "start " + t.steps());
            while (t.steps() < until) {
                INDArray before = t.network().params().dup();
                long index = t.steps();
                if (!t.step()) {
                    throw new IllegalStateException("step refused without a budget");
                }
                double[] delta = t.network().params().sub(before).toDoubleVector();
                StringBuilder line = new StringBuilder("step ").append(index).append(' ');
                for (int i = 0; i < delta.length; i++) {
                    line.append(i == 0 ? "" : ",").append(delta[i]);
                }
                append(progress, line.toString());
                if (t.steps() % every == 0) {
                    t.checkpoint(ckpt);
                }
            }
            append(progress, String.format(Locale.ROOT, "end %.17g", t.epsilon()));
        }
        return 0;
    }

    private static void append(FileChannel channel, String line) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
        channel.force(false);
    }

    private static int fill(Path dir) {
        // Adam, so that the check covers updater state as well as parameters.
        MultiLayerNetwork net = network(new Adam(0.01));
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(net, data(), config(dir))) {
            for (int s = 0; s < 10_000; s++) {
                INDArray params = net.params().dup();
                INDArray updater = net.getUpdater().getStateViewArray() == null ? null : net.getUpdater().getStateViewArray().dup();
                int iteration = net.getIterationCount();
                try {
                    t.step();
                    System.out.println("step " + s);
                } catch (RuntimeException e) {
                    System.out.println("failed " + t.steps() + " " + e.getClass().getName() + " "
                            + String.valueOf(e.getMessage()).replace('\n', ' '));
                    System.out.println("unchanged " + unchanged(net, params, updater, iteration));
                    try {
                        t.step();
                        System.out.println("second-step-ran");
                    } catch (RuntimeException again) {
                        System.out.println("second-failed " + String.valueOf(again.getMessage()).replace('\n', ' '));
                    }
                    System.out.println("unchanged-after-retry " + unchanged(net, params, updater, iteration));
                    System.out.println("steps " + t.steps());
                    System.out.flush();
                    return 0;
                }
            }
        }
        System.out.println("never-failed");
        return 3;
    }

    private static boolean unchanged(MultiLayerNetwork net, INDArray params, INDArray updater, int iteration) {
        boolean same = params.equalsWithEps(net.params(), 0) && net.getIterationCount() == iteration;
        if (updater != null) {
            same &= updater.equalsWithEps(net.getUpdater().getStateViewArray(), 0);
        }
        return same;
    }
}
