package org.dpdl4j.examples.fashion;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.deeplearning4j.eval.Evaluation;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.core.training.DpSgdConfig;
import org.dpdl4j.core.training.DpSgdTrainer;
import org.dpdl4j.core.training.PrivacyListener;
import org.dpdl4j.core.training.PrivacyReport;
import org.dpdl4j.examples.data.FashionMnist;
import org.dpdl4j.examples.models.ReferenceModels;
import org.dpdl4j.examples.plots.EpsilonCurve;
import org.dpdl4j.examples.plots.PlotsOption;
import org.dpdl4j.examples.plots.TrainingCurves;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Nesterovs;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * End-to-end DP-SGD of the Tramèr &amp; Boneh (ICLR 2021) tanh CNN on Fashion-MNIST. Defaults are their
 * published settings (clip 0.1, expected batch 2048, learning rate 4, momentum 0.9, 40 epochs) with σ
 * calibrated to the target ε at δ = 1e-5 under Poisson sampling. Pixels are standardised with the
 * dataset's published mean/std constants (0.2860, 0.3530), treated as public knowledge, not recomputed
 * from the private data.
 *
 * <p>The test set is used only to report accuracy; nothing is tuned on it.
 *
 * <p>With {@code --plots DIR} it also writes the training curves of the per-epoch lines it prints (loss,
 * test accuracy, ε) and ε against steps of its ledger under RDP and PLD.
 */
@Command(name = DpSgdFashionMnist.NAME, mixinStandardHelpOptions = true,
        description = "DP-SGD of the Tramer & Boneh CNN on Fashion-MNIST; prints test accuracy and epsilon.")
public final class DpSgdFashionMnist implements Callable<Integer> {

    static final String NAME = "dpsgd-fashion-mnist";

    static final double MEAN = 0.2860;
    static final double STD = 0.3530;

    @Option(names = "--epsilon", description = "Target epsilon (default: ${DEFAULT-VALUE}).")
    double epsilon = 3.0;

    @Option(names = "--delta", description = "Delta (default: ${DEFAULT-VALUE}).")
    double delta = 1e-5;

    @Option(names = "--epochs", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs = 40;

    @Option(names = "--batch", description = "Expected Poisson batch size (default: ${DEFAULT-VALUE}).")
    int batch = 2048;

    @Option(names = "--physical-batch", description = "Largest chunk processed at once (default: ${DEFAULT-VALUE}).")
    int physicalBatch = 512;

    @Option(names = "--clip", description = "Clip norm C (default: ${DEFAULT-VALUE}).")
    double clip = 0.1;

    @Option(names = "--lr", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double lr = 4.0;

    @Option(names = "--momentum", description = "Nesterov momentum (default: ${DEFAULT-VALUE}).")
    double momentum = 0.9;

    @Option(names = "--accountant", description = "rdp or pld (default: ${DEFAULT-VALUE}).")
    String accountant = "rdp";

    @Option(names = "--train-subset", description = "Use only this many training examples (0 = all).")
    int trainSubset;

    @Option(names = "--test-subset", description = "Evaluate on this many test examples (0 = all).")
    int testSubset;

    @Option(names = "--seed", description = "Model initialisation seed (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--ledger", description = "Ledger file (default: a new temporary file).")
    Path ledger;

    @Option(names = "--json", description = "Print one JSON result line at the end.")
    boolean json;

    /** With {@code --plots DIR}: training curves and ε against steps (RDP and PLD) of this run. */
    @Mixin
    PlotsOption plots = new PlotsOption();

    /** Result of a run. */
    public record Result(double testAccuracy, PrivacyReport report, double secondsPerEpoch) {
    }

    static DataSet standardised(FashionMnist data) {
        DataSet d = data.toDataSet();
        d.getFeatures().subi(MEAN).divi(STD);
        return d;
    }

    /** Runs the experiment with the current options. */
    public Result run() {
        plots.prepare();
        FashionMnist train = FashionMnist.train();
        FashionMnist test = FashionMnist.test();
        if (trainSubset > 0) {
            train = train.subset(trainSubset, seed);
        }
        if (testSubset > 0) {
            test = test.subset(testSubset, seed);
        }
        DataSet trainSet = standardised(train);
        DataSet testSet = standardised(test);
        MultiLayerNetwork net = ReferenceModels.tramerBonehCnn(seed, new Nesterovs(lr, momentum), DataType.FLOAT);
        DpSgdConfig.Builder cfg = DpSgdConfig.builder().clipNorm(clip).targetEpsilon(epsilon).delta(delta).epochs(epochs)
                .batchSize(batch).physicalBatchSize(physicalBatch).accountant(AccountantType.parse(accountant));
        if (ledger != null) {
            cfg.ledger(ledger);
        }
        long t0 = System.nanoTime();
        PrivacyReport report;
        TrainingCurves curves = new TrainingCurves("test accuracy");
        try (DpSgdTrainer trainer = DpSgdTrainer.makePrivate(net, trainSet, cfg.build())) {
            net.addListeners(new PrivacyListener(trainer, 0, System.err::println, end -> {
                double acc = accuracy(net, testSet);
                System.err.println(end + String.format(Locale.ROOT, ", test accuracy %.4f", acc));
                curves.add(end, acc);
            }));
            System.err.printf(Locale.ROOT, "sigma %.4f, %d steps/epoch, %d epochs%n", trainer.noiseMultiplier(),
                    trainer.stepsPerEpoch(), epochs);
            report = trainer.fit();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (plots.enabled()) {
            plots.write(curves, NAME, System.err::println);
            plots.writeEpsilonCurve(report.ledger(), delta, List.of(EpsilonCurve.Method.of(AccountantType.RDP, delta),
                    EpsilonCurve.Method.of(AccountantType.PLD, delta)), NAME, System.err::println);
        }
        return new Result(accuracy(net, testSet), report, seconds / epochs);
    }

    static double accuracy(MultiLayerNetwork net, DataSet test) {
        Evaluation e = new Evaluation(10);
        int n = test.numExamples();
        for (int start = 0; start < n; start += 2000) {
            int end = Math.min(n, start + 2000);
            DataSet part = (DataSet) test.getRange(start, end);
            e.eval(part.getLabels(), net.output(part.getFeatures(), false));
        }
        return e.accuracy();
    }

    @Override
    public Integer call() throws Exception {
        Result r = run();
        System.out.println(String.format(Locale.ROOT, "test accuracy %.4f at %s, %.1f s/epoch", r.testAccuracy(), r.report(),
                r.secondsPerEpoch()));
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("test_accuracy", r.testAccuracy());
            o.put("epsilon", r.report().epsilon());
            o.put("delta", r.report().delta());
            o.put("accountant", r.report().accountant());
            o.put("noise_multiplier", r.report().noiseMultiplier());
            o.put("steps", r.report().steps());
            o.put("seconds_per_epoch", r.secondsPerEpoch());
            o.put("seed", seed);
            System.out.println(new ObjectMapper().writeValueAsString(o));
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new DpSgdFashionMnist()).execute(args));
    }
}
