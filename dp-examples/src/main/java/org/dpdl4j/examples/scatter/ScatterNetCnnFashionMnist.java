package org.dpdl4j.examples.scatter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.deeplearning4j.eval.Evaluation;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.core.training.DpSgdConfig;
import org.dpdl4j.core.training.DpSgdTrainer;
import org.dpdl4j.core.training.PrivacyListener;
import org.dpdl4j.core.training.PrivacyReport;
import org.dpdl4j.dl4j.postprocess.FeaturePipeline;
import org.dpdl4j.dl4j.postprocess.GroupNormalize;
import org.dpdl4j.dl4j.scattering.ScatteringTransform;
import org.dpdl4j.examples.data.FashionMnist;
import org.dpdl4j.examples.models.ReferenceModels;
import org.dpdl4j.examples.plots.PlotsOption;
import org.dpdl4j.examples.plots.TrainingCurves;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Nesterovs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * ScatterNet + DP CNN on Fashion-MNIST (Tramèr &amp; Boneh, ICLR 2021, 89.0% at ε = 3, δ = 1e-5): the same
 * free ScatterNet features and per-example GroupNorm (27 groups) as {@code scatternet-head}, then
 * {@link ReferenceModels#scatterNetCnn} trained with {@link DpSgdTrainer} (Poisson sampling, expected
 * batch 2048, clip 0.1, learning rate 4, momentum 0.9 (DL4J's Nesterov form), 40 epochs, σ = 2.15 by
 * default, their published noise). Prints accuracy and ε under RDP (improved and classic conversion) and
 * PLD. With {@code --plots DIR} it also writes the training curves of its per-epoch lines and those three ε
 * against steps.
 *
 * <p>Privacy assumption: as for {@code scatternet-head}; the features are fixed per-example maps and only
 * DP-SGD is charged. The test set (or the held-out validation split) is only evaluated.
 */
@Command(name = ScatterNetCnnFashionMnist.NAME, mixinStandardHelpOptions = true,
        description = "ScatterNet features + GroupNorm + DP-SGD CNN on Fashion-MNIST (Tramer & Boneh).")
public final class ScatterNetCnnFashionMnist implements Callable<Integer> {

    static final String NAME = "scatternet-cnn";

    @Option(names = "--sigma", description = "Noise multiplier; default: Tramer & Boneh's ${DEFAULT-VALUE}. "
            + "Give 0 to calibrate sigma to --epsilon instead.")
    double sigma = 2.15;

    @Option(names = "--epsilon", description = "Target epsilon when --sigma 0 (default: ${DEFAULT-VALUE}).")
    double epsilon = 3.0;

    @Option(names = "--delta", description = "Delta (default: ${DEFAULT-VALUE}).")
    double delta = 1e-5;

    @Option(names = "--epochs", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs = 40;

    @Option(names = "--batch", description = "Expected Poisson batch size (default: ${DEFAULT-VALUE}).")
    int batch = 2048;

    @Option(names = "--physical-batch", description = "Largest chunk processed at once (default: ${DEFAULT-VALUE}).")
    int physicalBatch = 512;

    @Option(names = "--lr", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double lr = 4;

    @Option(names = "--momentum", description = "Nesterov momentum (default: ${DEFAULT-VALUE}).")
    double momentum = 0.9;

    @Option(names = "--clip", description = "Clip norm C (default: ${DEFAULT-VALUE}).")
    double clip = 0.1;

    @Option(names = "--validation-size", description = "Hold out this many training examples and report accuracy "
            + "on them instead of the test set (default: ${DEFAULT-VALUE}).")
    int validationSize;

    @Option(names = "--train-subset", description = "Use only this many training examples (0 = all).")
    int trainSubset;

    @Option(names = "--test-subset", description = "Evaluate on this many test examples (0 = all).")
    int testSubset;

    @Option(names = "--seed", description = "Seed of the CNN initialisation, validation split and subsets "
            + "(default: ${DEFAULT-VALUE}). Noise and sampling come from the CSPRNG.")
    long seed = 1;

    @Option(names = "--cache", description = "Directory caching the scattering features between runs (default: none).")
    Path cache;

    @Option(names = "--threads", description = "Threads of the scattering transform (0 = all cores; default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--ledger", description = "Ledger file (default: a new temporary file).")
    Path ledger;

    @Option(names = "--json", description = "Print one JSON result line at the end.")
    boolean json;

    /** With {@code --plots DIR}: training curves and ε against steps (RDP improved and classic, PLD) of this run. */
    @Mixin
    PlotsOption plots = new PlotsOption();

    /** What a run produced. */
    public record Result(double accuracy, String evaluatedOn, int trainSize, PrivacyReport report, double epsilonRdp,
                         double epsilonRdpClassic, double epsilonPld, Path ledger, double secondsPerEpoch) {
    }

    public Result run() throws Exception {
        if (!FashionMnist.isAvailable()) {
            throw new IllegalStateException("Fashion-MNIST not found in " + FashionMnist.directory());
        }
        plots.prepare();
        FashionMnist train = FashionMnist.train();
        if (trainSubset > 0) {
            train = train.subset(trainSubset, seed);
        }
        FashionMnist eval;
        if (validationSize > 0) {
            FashionMnist.Split split = train.split(validationSize, seed);
            train = split.train();
            eval = split.validation();
        } else {
            eval = testSubset > 0 ? FashionMnist.test().subset(testSubset, seed) : FashionMnist.test();
        }
        ScatteringTransform st = ScatterNetFeatures.transform(threads);
        ScatterNetFeatures.Timing[] timing = {new ScatterNetFeatures.Timing(0, 0)};
        FeaturePipeline gn = FeaturePipeline.of(new GroupNormalize(st.channels(), ScatterNetFeatures.GROUPS));
        INDArray trainS = ScatterNetFeatures.scatter(st, train, cache, timing);
        INDArray evalS = ScatterNetFeatures.scatter(st, eval, cache, timing);
        DataSet trainSet = new DataSet(ScatterNetFeatures.apply(gn, trainS), train.oneHotLabels());
        DataSet evalSet = new DataSet(ScatterNetFeatures.apply(gn, evalS), eval.oneHotLabels());
        ScatterNetFeatures.release(trainS, evalS);

        MultiLayerNetwork net = ReferenceModels.scatterNetCnn(seed, new Nesterovs(lr, momentum), DataType.FLOAT);
        DpSgdConfig.Builder cfg = DpSgdConfig.builder().clipNorm(clip).delta(delta).epochs(epochs).batchSize(batch)
                .physicalBatchSize(physicalBatch).accountant(AccountantType.RDP);
        if (sigma > 0) {
            cfg.noiseMultiplier(sigma);
        } else {
            cfg.targetEpsilon(epsilon);
        }
        Path ledgerFile = ledger != null ? ledger : Files.createTempFile("scatternet-cnn", ".jsonl");
        Files.deleteIfExists(ledgerFile);
        cfg.ledger(ledgerFile);
        long t0 = System.nanoTime();
        PrivacyReport report;
        String evaluated = validationSize > 0 ? "validation" : "test";
        TrainingCurves curves = new TrainingCurves(evaluated + " accuracy");
        try (DpSgdTrainer trainer = DpSgdTrainer.makePrivate(net, trainSet, cfg.build())) {
            net.addListeners(new PrivacyListener(trainer, (int) trainer.stepsPerEpoch() * 5, System.err::println, end -> {
                double acc = accuracy(net, evalSet);
                System.err.println(end + String.format(Locale.ROOT, ", %s accuracy %.4f", evaluated, acc));
                curves.add(end, acc);
            }));
            System.err.printf(Locale.ROOT, "sigma %.4f, %d steps/epoch, %d epochs, %d private examples%n",
                    trainer.noiseMultiplier(), trainer.stepsPerEpoch(), epochs, train.size());
            report = trainer.fit();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double[] eps = new double[4];
        System.err.println(ScatterNetFeatures.epsilons(PrivacyLedger.readEvent(ledgerFile), delta, eps));
        if (plots.enabled()) {
            plots.write(curves, NAME, System.err::println);
            plots.writeEpsilonCurve(ledgerFile, delta, ScatterNetFeatures.curveMethods(delta), NAME, System.err::println);
        }
        return new Result(accuracy(net, evalSet), eval.name(), train.size(), report, eps[0], eps[1], eps[2], ledgerFile,
                seconds / epochs);
    }

    static double accuracy(MultiLayerNetwork net, DataSet data) {
        Evaluation e = new Evaluation(10);
        int n = data.numExamples();
        for (int start = 0; start < n; start += 2000) {
            int end = Math.min(n, start + 2000);
            DataSet part = (DataSet) data.getRange(start, end);
            e.eval(part.getLabels(), net.output(part.getFeatures(), false));
        }
        return e.accuracy();
    }

    @Override
    public Integer call() throws Exception {
        Result r = run();
        System.out.printf(Locale.ROOT, "%s accuracy %.4f; sigma %.4f, %d steps on %d private examples; epsilon at "
                        + "delta=%.0e: RDP %.4f (improved), RDP %.4f (classic), PLD %.4f; %.1f s/epoch; ledger %s%n",
                validationSize > 0 ? "validation" : "test", r.accuracy(), r.report().noiseMultiplier(), r.report().steps(),
                r.trainSize(), delta, r.epsilonRdp(), r.epsilonRdpClassic(), r.epsilonPld(), r.secondsPerEpoch(), r.ledger());
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("accuracy", r.accuracy());
            o.put("evaluated_on", r.evaluatedOn());
            o.put("train_size", r.trainSize());
            o.put("noise_multiplier", r.report().noiseMultiplier());
            o.put("steps", r.report().steps());
            o.put("epsilon_rdp", r.epsilonRdp());
            o.put("epsilon_rdp_classic", r.epsilonRdpClassic());
            o.put("epsilon_pld", r.epsilonPld());
            o.put("delta", delta);
            o.put("sampling", r.report().sampling());
            o.put("seed", seed);
            o.put("seconds_per_epoch", r.secondsPerEpoch());
            o.put("ledger", r.ledger().toString());
            System.out.println(new ObjectMapper().writeValueAsString(o));
        }
        return 0;
    }
}
