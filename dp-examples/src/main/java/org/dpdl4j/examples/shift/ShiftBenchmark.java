package org.dpdl4j.examples.shift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.deeplearning4j.eval.Evaluation;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.dpdl4j.dl4j.finetune.FineTuneResult;
import org.dpdl4j.dl4j.finetune.FineTuner;
import org.dpdl4j.dl4j.finetune.Schedule;
import org.dpdl4j.examples.data.FashionMnist;
import org.dpdl4j.examples.models.ReferenceModels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Distribution-shift benchmark of private fine-tuning strategies on Fashion-MNIST.
 *
 * <ol>
 *   <li>Source: the Tramèr &amp; Boneh CNN is pretrained non-privately (Adam) on a public part of the clean
 *       training set (cached in the output directory).</li>
 *   <li>Targets: a disjoint private part of the training set and the test set are shifted by each
 *       {@link Shift} (Gaussian noise, blur, contrast, inversion, label shift).</li>
 *   <li>Each {@link ShiftStrategy} adapts a copy of the source model privately on the shifted private set at
 *       each ε (δ fixed), one ledger per run; the shifted test set gives the target accuracy. The references
 *       are the source model without adaptation and each strategy with σ = 0 (same clipping and steps, no
 *       noise: {@link NonPrivateFineTune}).</li>
 * </ol>
 *
 * <p>Pixels are standardised with Fashion-MNIST's published mean and std (public constants) after shifting.
 * Hyperparameters are fixed in advance; the test set is only used to report accuracy. Results go to
 * {@code results.jsonl} (one line per cell; cells already there for the same settings are skipped, so an
 * interrupted run resumes) and the table to {@code table.md}.
 */
@Command(name = "shift-benchmark", mixinStandardHelpOptions = true,
        description = "Private surgical / LP-FT / alternating / Auto-RGN fine-tuning under distribution shifts of Fashion-MNIST.")
public final class ShiftBenchmark implements Callable<Integer> {

    static final double MEAN = 0.2860;
    static final double STD = 0.3530;

    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "Reduced sizes for a smoke run (minutes): 2000 public, 1000 private, 500 test examples, 20 steps.")
    boolean quick;

    @Option(names = "--shifts", split = ",", description = "Shifts (default: all): noise, blur, contrast, invert, label.")
    List<String> shifts;

    @Option(names = "--strategies", split = ",", description = "Strategies (default: all): full, first-block, middle-block, last-layer, lp-ft, alternating, auto-rgn.")
    List<String> strategies;

    @Option(names = "--epsilons", split = ",", description = "Total epsilons (default: 1,3,8).")
    List<Double> epsilons;

    @Option(names = "--source-only", description = "Only evaluate the source model on each shift (no adaptation).")
    boolean sourceOnly;

    @Option(names = "--no-reference", description = "Skip the references (source model; each strategy with sigma = 0).")
    boolean noReference;

    @Option(names = "--delta", description = "Delta (default: ${DEFAULT-VALUE}).")
    double delta = 1e-5;

    @Option(names = "--source-size", description = "Public clean examples for pretraining (default: 20000).")
    Integer sourceSize;

    @Option(names = "--pretrain-epochs", description = "Non-private pretraining epochs (default: 3).")
    Integer pretrainEpochs;

    @Option(names = "--target-size", description = "Private shifted training examples (default: 10000).")
    Integer targetSize;

    @Option(names = "--test-size", description = "Shifted test examples (default: all 10000).")
    Integer testSize;

    @Option(names = "--batch", description = "Expected Poisson batch size of DP-SGD phases (default: 250).")
    Double batch;

    @Option(names = "--epochs", description = "DP-SGD steps = epochs x target size / batch (default: 3).")
    Double epochs;

    @Option(names = "--clip", description = "Clip norm of DP-SGD phases (default: ${DEFAULT-VALUE}).")
    double clip = 0.1;

    @Option(names = "--lr", description = "Nesterov learning rate of DP-SGD phases (default: ${DEFAULT-VALUE}).")
    double lr = 1.0;

    @Option(names = "--momentum", description = "Nesterov momentum (default: ${DEFAULT-VALUE}).")
    double momentum = 0.9;

    @Option(names = "--probe-steps", description = "NoisyGD steps of the LP-FT probe (default: 100).")
    Long probeSteps;

    @Option(names = "--seed", description = "Seed of the data split, the source model and the noise shift (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--out", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("target", "shift-benchmark");

    @Option(names = "--force", description = "Rerun cells already in results.jsonl.")
    boolean force;

    @Option(names = "--repeat-tag", description = "Label of a repeated run (e.g. rep2): its cells are kept apart from the untagged ones.")
    String repeatTag;

    @Option(names = "--table-only", description = "Print the table of the cells already in results.jsonl (for these settings) and run nothing.")
    boolean tableOnly;

    /** One cell of the table. */
    public record Cell(String shift, String strategy, String epsilon, double accuracy, double epsilonSpent,
                       String sigmas, long frozenChecked, double seconds) {
    }

    private final ObjectMapper json = new ObjectMapper();

    int sourceSize() {
        return sourceSize != null ? sourceSize : quick ? 2000 : 20_000;
    }

    int pretrainEpochs() {
        return pretrainEpochs != null ? pretrainEpochs : quick ? 1 : 3;
    }

    int targetSize() {
        return targetSize != null ? targetSize : quick ? 1000 : 10_000;
    }

    int testSize() {
        return testSize != null ? testSize : quick ? 500 : FashionMnist.TEST_SIZE;
    }

    double batch() {
        return batch != null ? batch : quick ? 100 : 250;
    }

    double epochs() {
        return epochs != null ? epochs : quick ? 2 : 3;
    }

    long probeSteps() {
        return probeSteps != null ? probeSteps : quick ? 20 : 100;
    }

    ShiftStrategy.Settings settings() {
        long steps = Math.max(1, Math.round(epochs() * targetSize() / batch()));
        return new ShiftStrategy.Settings(clip, batch(), steps, lr, momentum, probeSteps(), 1.0, 1.0, 0.9, delta);
    }

    /** Everything that changes a cell's result except shift, strategy and ε: cells are reused only under the same key. */
    String settingsKey() {
        return String.format(Locale.ROOT, "src%d-pre%d-tgt%d-test%d-b%s-T%d-C%s-lr%s-m%s-probe%d-delta%s-seed%d", sourceSize(),
                pretrainEpochs(), targetSize(), testSize(), batch(), settings().steps(), clip, lr, momentum, probeSteps(),
                delta, seed) + (repeatTag == null ? "" : "-" + repeatTag);
    }

    static DataSet standardised(FashionMnist data) {
        DataSet d = data.toDataSet();
        d.getFeatures().subi(MEAN).divi(STD);
        return d;
    }

    static double accuracy(MultiLayerNetwork net, DataSet test) {
        Evaluation e = new Evaluation(FashionMnist.CLASSES);
        int n = test.numExamples();
        for (int start = 0; start < n; start += 2000) {
            int end = Math.min(n, start + 2000);
            DataSet part = (DataSet) test.getRange(start, end);
            e.eval(part.getLabels(), net.output(part.getFeatures(), false));
        }
        return e.accuracy();
    }

    /** Runs every requested cell (skipping those already recorded) and returns the whole table's cells. */
    public List<Cell> run() throws IOException {
        Files.createDirectories(out.resolve("ledgers"));
        List<Shift> shiftList = shifts == null ? List.of(Shift.values()) : shifts.stream().map(Shift::parse).toList();
        List<ShiftStrategy> strategyList = strategies == null ? List.of(ShiftStrategy.values())
                : strategies.stream().map(ShiftStrategy::parse).toList();
        List<Double> epsList = epsilons == null ? List.of(1.0, 3.0, 8.0) : epsilons;
        String key = settingsKey();
        Map<String, Cell> done = readResults(key);
        if (tableOnly) {
            String table = table(new ArrayList<>(done.values()), epsList);
            System.out.println(table);
            return new ArrayList<>(done.values());
        }

        FashionMnist.Split split = FashionMnist.train().split(sourceSize(), seed);
        FashionMnist source = split.validation();
        FashionMnist target = split.train().subset(targetSize(), seed);
        FashionMnist test = FashionMnist.test();
        if (testSize() < test.size()) {
            test = test.subset(testSize(), seed);
        }
        MultiLayerNetwork sourceModel = sourceModel(source, test);
        ShiftStrategy.Settings settings = settings();
        log("settings %s: %s", key, settings);
        for (Shift shift : shiftList) {
            DataSet targetTrain = standardised(shift.apply(target, seed * 31 + 1));
            DataSet targetTest = standardised(shift.apply(test, seed * 31 + 2));
            if (!noReference) {
                cell(done, key, shift, "source", "none", () -> {
                    long t0 = System.nanoTime();
                    return new Cell(shift.id(), "source", "none", accuracy(sourceModel, targetTest), 0, "", 0, seconds(t0));
                });
            }
            for (ShiftStrategy strategy : sourceOnly ? List.<ShiftStrategy>of() : strategyList) {
                for (double eps : epsList) {
                    String epsText = format(eps);
                    cell(done, key, shift, strategy.id(), epsText, () -> {
                        long t0 = System.nanoTime();
                        MultiLayerNetwork net = sourceModel.clone();
                        Schedule schedule = strategy.schedule(settings, eps);
                        Path ledger = out.resolve("ledgers").resolve((repeatTag == null ? "" : repeatTag + "-")
                                + shift.id() + "-" + strategy.id() + "-eps" + epsText + ".jsonl");
                        Files.deleteIfExists(ledger);
                        FineTuneResult r = FineTuner.of(schedule).withLedger(ledger)
                                .withProgress(line -> log("%s/%s: %s", shift.id(), epsText, line)).run(net, targetTrain);
                        StringBuilder sigmas = new StringBuilder();
                        long frozen = 0;
                        for (FineTuneResult.PhaseResult p : r.phases()) {
                            sigmas.append(sigmas.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.3f", p.noiseMultiplier()));
                            frozen += p.frozenParametersChecked();
                        }
                        return new Cell(shift.id(), strategy.id(), epsText, accuracy(net, targetTest), r.epsilon(),
                                sigmas.toString(), frozen, seconds(t0));
                    });
                }
                if (!noReference) {
                    cell(done, key, shift, strategy.id(), "inf", () -> {
                        long t0 = System.nanoTime();
                        MultiLayerNetwork net = sourceModel.clone();
                        NonPrivateFineTune.run(net, targetTrain, strategy.schedule(settings, 1.0), seed);
                        return new Cell(shift.id(), strategy.id(), "inf", accuracy(net, targetTest), Double.POSITIVE_INFINITY,
                                "", 0, seconds(t0));
                    });
                }
            }
        }
        List<Cell> all = new ArrayList<>(readResults(key).values());
        String table = table(all, epsList);
        Files.writeString(out.resolve("table.md"), table, StandardCharsets.UTF_8);
        System.out.println(table);
        return all;
    }

    private interface CellRun {
        Cell run() throws IOException;
    }

    private void cell(Map<String, Cell> done, String key, Shift shift, String strategy, String eps, CellRun body)
            throws IOException {
        String id = shift.id() + "|" + strategy + "|" + eps;
        if (!force && done.containsKey(id)) {
            log("skip %s (already in results.jsonl)", id);
            return;
        }
        Cell c = body.run();
        log("%s: accuracy %.4f, eps spent %s, sigmas [%s], %.0f s", id, c.accuracy(), c.epsilonSpent(), c.sigmas(), c.seconds());
        ObjectNode o = json.createObjectNode();
        o.put("settings", key);
        o.put("shift", c.shift());
        o.put("strategy", c.strategy());
        o.put("epsilon", c.epsilon());
        o.put("accuracy", c.accuracy());
        o.put("epsilon_spent", Double.isInfinite(c.epsilonSpent()) ? "inf" : Double.toString(c.epsilonSpent()));
        o.put("sigmas", c.sigmas());
        o.put("frozen_checked", c.frozenChecked());
        o.put("seconds", c.seconds());
        Files.writeString(out.resolve("results.jsonl"), json.writeValueAsString(o) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        done.put(id, c);
    }

    private Map<String, Cell> readResults(String key) throws IOException {
        Map<String, Cell> m = new LinkedHashMap<>();
        Path f = out.resolve("results.jsonl");
        if (!Files.exists(f)) {
            return m;
        }
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode o = json.readTree(line);
            if (!key.equals(o.get("settings").asText())) {
                continue;
            }
            String spent = o.get("epsilon_spent").asText();
            Cell c = new Cell(o.get("shift").asText(), o.get("strategy").asText(), o.get("epsilon").asText(),
                    o.get("accuracy").asDouble(), spent.equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(spent),
                    o.get("sigmas").asText(), o.get("frozen_checked").asLong(), o.get("seconds").asDouble());
            m.put(c.shift() + "|" + c.strategy() + "|" + c.epsilon(), c);
        }
        return m;
    }

    private MultiLayerNetwork sourceModel(FashionMnist source, FashionMnist cleanTest) throws IOException {
        Path file = out.resolve(String.format(Locale.ROOT, "source-n%d-e%d-seed%d.zip", sourceSize(), pretrainEpochs(), seed));
        if (Files.exists(file)) {
            log("source model from %s", file);
            return ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false);
        }
        MultiLayerNetwork net = ReferenceModels.tramerBonehCnn(seed, new Adam(1e-3), DataType.FLOAT);
        DataSet train = standardised(source);
        long t0 = System.nanoTime();
        for (int e = 0; e < pretrainEpochs(); e++) {
            train.shuffle(seed + e);
            for (int start = 0; start < train.numExamples(); start += 128) {
                int end = Math.min(train.numExamples(), start + 128);
                net.fit((DataSet) train.getRange(start, end));
            }
            log("pretraining epoch %d/%d, clean test accuracy %.4f", e + 1, pretrainEpochs(),
                    accuracy(net, standardised(cleanTest)));
        }
        log("pretrained in %.0f s; saved to %s", seconds(t0), file);
        ModelSerializer.writeModel(net, file.toFile(), false);
        return net;
    }

    /** The markdown table: one row per shift and strategy, ε columns, the non-private column, the row's command. */
    String table(List<Cell> cells, List<Double> epsList) {
        Map<String, Cell> byId = new LinkedHashMap<>();
        List<String> shiftsSeen = new ArrayList<>();
        List<String> strategiesSeen = new ArrayList<>();
        for (Cell c : cells) {
            byId.put(c.shift() + "|" + c.strategy() + "|" + c.epsilon(), c);
            if (!shiftsSeen.contains(c.shift())) {
                shiftsSeen.add(c.shift());
            }
            if (!c.strategy().equals("source") && !strategiesSeen.contains(c.strategy())) {
                strategiesSeen.add(c.strategy());
            }
        }
        List<String> epsCols = new ArrayList<>();
        for (double e : epsList) {
            epsCols.add(format(e));
        }
        for (Cell c : cells) {
            if (!c.epsilon().equals("inf") && !c.epsilon().equals("none") && !epsCols.contains(c.epsilon())) {
                epsCols.add(c.epsilon());
            }
        }
        StringBuilder sb = new StringBuilder("| shift | strategy |");
        for (String e : epsCols) {
            sb.append(" ε=").append(e).append(" |");
        }
        sb.append(" σ=0 (non-private) | command |\n|---|---|");
        sb.append("---|".repeat(epsCols.size())).append("---|---|\n");
        String base = baseCommand();
        for (String shift : shiftsSeen) {
            Cell src = byId.get(shift + "|source|none");
            if (src != null) {
                sb.append("| ").append(shift).append(" | source model, no adaptation |");
                sb.append(" |".repeat(epsCols.size()));
                sb.append(String.format(Locale.ROOT, " %.2f%% | `%s --shifts %s --source-only` |%n", 100 * src.accuracy(), base,
                        shift));
            }
            for (String strategy : strategiesSeen) {
                boolean any = false;
                StringBuilder row = new StringBuilder("| " + shift + " | " + strategy + " |");
                for (String e : epsCols) {
                    Cell c = byId.get(shift + "|" + strategy + "|" + e);
                    any |= c != null;
                    row.append(c == null ? " — |" : String.format(Locale.ROOT, " %.2f%% |", 100 * c.accuracy()));
                }
                Cell np = byId.get(shift + "|" + strategy + "|inf");
                any |= np != null;
                row.append(np == null ? " — |" : String.format(Locale.ROOT, " %.2f%% |", 100 * np.accuracy()));
                row.append(" `").append(base).append(" --shifts ").append(shift).append(" --strategies ").append(strategy)
                        .append("` |\n");
                if (any) {
                    sb.append(row);
                }
            }
        }
        return sb.toString();
    }

    /** "bin/example shift-benchmark" with this run's options other than --shifts and --strategies. */
    private String baseCommand() {
        StringBuilder sb = new StringBuilder("bin/example shift-benchmark");
        if (spec == null || spec.commandLine().getParseResult() == null) {
            return sb.append(quick ? " --quick" : "").toString();
        }
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        for (int i = args.isEmpty() || !args.get(0).equals("shift-benchmark") ? 0 : 1; i < args.size(); i++) {
            String a = args.get(i);
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            boolean takesValue = !a.contains("=") && i + 1 < args.size() && a.startsWith("--") && !List.of("--quick",
                    "--no-reference", "--force", "--source-only", "--table-only").contains(a);
            if (List.of("--shifts", "--strategies", "--force", "--out", "--source-only", "--table-only").contains(name)) {
                if (takesValue) {
                    i++;
                }
                continue;
            }
            sb.append(' ').append(a);
            if (takesValue) {
                sb.append(' ').append(args.get(++i));
            }
        }
        return sb.toString();
    }

    private static String format(double eps) {
        return eps == Math.rint(eps) ? Long.toString((long) eps) : Double.toString(eps);
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void log(String format, Object... args) {
        System.err.println(String.format(Locale.ROOT, format, args));
    }

    @Override
    public Integer call() {
        try {
            run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ShiftBenchmark()).execute(args));
    }
}
