package org.dpdl4j.examples.audit;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.core.audit.AuditResult;
import org.dpdl4j.core.audit.BlackBoxCanaryAudit;
import org.dpdl4j.core.audit.CanaryAuditConfig;
import org.dpdl4j.core.audit.DiracCanaryAudit;
import org.dpdl4j.core.training.DpSgdConfig;
import org.dpdl4j.core.training.SamplingMode;
import org.dpdl4j.dl4j.audit.HeadCanaryAudit;
import org.dpdl4j.dl4j.head.HeadConfig;
import org.dpdl4j.dl4j.head.HeadMode;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/example audit}: a one-run empirical privacy audit (Steinke, Nasr &amp; Jagielski 2023) of the
 * library's own training code on synthetic data, printed as one JSON object with the claimed ε, the
 * audited 95% lower bound, m, r and v.
 *
 * <ul>
 * <li>{@code --target dpsgd}: white-box Dirac canaries on reserved parameters, DP-SGD trainer
 * ({@link DiracCanaryAudit});</li>
 * <li>{@code --target head}: the same canaries through the private-head trainer ({@link HeadCanaryAudit});</li>
 * <li>{@code --target blackbox}: mislabeled out-of-distribution canaries on a two-layer MLP trained with
 * DP-SGD, scored from the final model only ({@link BlackBoxCanaryAudit}).</li>
 * </ul>
 *
 * <p>Privacy assumption: the data are synthetic and the audit is a test of the code, not a release; the
 * claim is the trainer's own accountant's ε. Without {@code --seed} noise, sampling and the auditor's coins
 * come from a CSPRNG.
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "One-run empirical privacy audit of the DP-SGD or private-head trainer; prints JSON.")
public final class AuditCommand implements Callable<Integer> {

    @Option(names = "--target", description = "dpsgd, head or blackbox (default: ${DEFAULT-VALUE}).")
    String target = "dpsgd";

    @Option(names = "--canaries", description = "m, canaries each inserted with probability 1/2 (default: ${DEFAULT-VALUE}).")
    int canaries = 1000;

    @Option(names = "--guess-included", description = "Top scores guessed 'included' (default: ceil(m/30)).")
    Integer guessIncluded;

    @Option(names = "--guess-excluded", description = "Bottom scores guessed 'excluded' (default: ${DEFAULT-VALUE}).")
    int guessExcluded;

    @Option(names = "--sampling", description = "poisson or full (default: ${DEFAULT-VALUE}).")
    String sampling = "poisson";

    @Option(names = "--sigma", description = "Noise multiplier (default: ${DEFAULT-VALUE}).")
    double sigma = 1.0;

    @Option(names = "--clip", description = "Clip norm C (default: ${DEFAULT-VALUE}).")
    double clip = 1.0;

    @Option(names = "--batch", description = "Expected Poisson batch size (default: ${DEFAULT-VALUE}).")
    double batch = 20;

    @Option(names = "--epochs", description = "DP-SGD epochs; full batch: steps (default: ${DEFAULT-VALUE}).")
    int epochs = 2;

    @Option(names = "--steps", description = "Head steps (default: ${DEFAULT-VALUE}).")
    long steps = 100;

    @Option(names = "--learning-rate", description = "Head and black-box MLP learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate = 0.5;

    @Option(names = "--delta", description = "Delta of the claim and of the audit (default: ${DEFAULT-VALUE}).")
    double delta = 1e-5;

    @Option(names = "--accountant", description = "rdp, pld or gaussian (default: pld for Poisson, gaussian for full batch).")
    String accountant;

    @Option(names = "--real-rows", description = "Synthetic real records next to the canaries (default: ${DEFAULT-VALUE}).")
    int realRows = 500;

    @Option(names = "--canary-scale", description = "Canary input magnitude a (default: ${DEFAULT-VALUE}).")
    double canaryScale = 10;

    @Option(names = "--confidence", description = "Confidence of the lower bound (default: ${DEFAULT-VALUE}).")
    double confidence = 0.95;

    @Option(names = "--seed", description = "Reproducible, NOT secure noise, sampling and coins (default: secure).")
    Long seed;

    @Override
    public Integer call() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        if (realRows < 0) {
            throw new IllegalArgumentException("--real-rows must be >= 0, got " + realRows);
        }
        CanaryAuditConfig.Builder audit = CanaryAuditConfig.builder().canaries(canaries).canaryScale(canaryScale)
                .significance(1 - confidence);
        if (guessIncluded != null) {
            audit.guesses(guessIncluded, guessExcluded);
        } else if (guessExcluded > 0) {
            audit.guesses(Math.max(1, (canaries + 29) / 30), guessExcluded);
        }
        if (seed != null) {
            audit.seed(seed + 1);
        }
        boolean full = switch (sampling.toLowerCase(Locale.ROOT)) {
            case "poisson" -> false;
            case "full" -> true;
            default -> throw new IllegalArgumentException("--sampling must be poisson or full, got " + sampling);
        };
        AccountantType acc = accountant == null ? (full ? AccountantType.GAUSSIAN : AccountantType.PLD)
                : AccountantType.valueOf(accountant.toUpperCase(Locale.ROOT));
        AuditResult result = switch (target.toLowerCase(Locale.ROOT)) {
            case "dpsgd" -> DiracCanaryAudit.run(syntheticData(realRows, 8, 2), dpSgd(full, acc), audit.build());
            case "blackbox" -> BlackBoxCanaryAudit.run(() -> mlp(32), syntheticData(realRows, 32, 3), dpSgd(full, acc),
                    audit.build());
            case "head" -> {
                DataSet d = syntheticData(realRows, 8, 2);
                HeadConfig.Builder h = HeadConfig.builder().mode(full ? HeadMode.FULL_BATCH : HeadMode.POISSON)
                        .clipNorm(clip).steps(steps).noiseMultiplier(sigma).delta(delta).accountant(acc)
                        .learningRate(learningRate).bias(false);
                if (!full) {
                    h.expectedBatchSize(batch);
                }
                if (seed != null) {
                    h.seed(seed);
                }
                yield HeadCanaryAudit.run(d.getFeatures(), d.getLabels(), h.build(), audit.build());
            }
            default -> throw new IllegalArgumentException("--target must be dpsgd, head or blackbox, got " + target);
        };
        System.out.println(result.toJson());
        return 0;
    }

    private DpSgdConfig dpSgd(boolean full, AccountantType acc) {
        DpSgdConfig.Builder b = DpSgdConfig.builder().sampling(full ? SamplingMode.FULL_BATCH : SamplingMode.POISSON)
                .clipNorm(clip).noiseMultiplier(sigma).epochs(epochs).delta(delta).accountant(acc);
        if (!full) {
            b.batchSize(batch);
        }
        if (seed != null) {
            b.seed(seed);
        }
        return b.build();
    }

    private MultiLayerNetwork mlp(int inputs) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(seed == null ? 1 : seed)
                .dataType(DataType.DOUBLE).updater(new Sgd(learningRate)).list()
                .layer(new DenseLayer.Builder().nIn(inputs).nOut(16).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(16).nOut(3).activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }

    /** Gaussian features; the label is a fixed linear rule's sign (2 classes) or its tercile (3 classes). */
    static DataSet syntheticData(int rows, int features, int classes) {
        if (rows == 0) {
            return new DataSet(Nd4j.zeros(DataType.DOUBLE, 0, features), Nd4j.zeros(DataType.DOUBLE, 0, classes));
        }
        Nd4j.getRandom().setSeed(12345);
        INDArray x = Nd4j.randn(DataType.DOUBLE, rows, features);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, rows, classes);
        for (int i = 0; i < rows; i++) {
            double s = x.getDouble(i, 0) - 0.5 * x.getDouble(i, 1);
            int c = classes == 2 ? (s > 0 ? 1 : 0) : (s > 0.5 ? 2 : s > -0.5 ? 1 : 0);
            y.putScalar(i, c, 1.0);
        }
        return new DataSet(x, y);
    }
}
