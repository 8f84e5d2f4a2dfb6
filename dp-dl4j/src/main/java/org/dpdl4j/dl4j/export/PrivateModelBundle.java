package org.dpdl4j.dl4j.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.dpdl4j.accountant.ledger.LedgerRecord;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.core.training.PrivacyReport;
import org.dpdl4j.dl4j.diagnostics.NeuralCollapse;
import org.dpdl4j.dl4j.postprocess.FeaturePipeline;
import org.dpdl4j.dl4j.postprocess.FeatureStep;

/**
 * A directory that ships a private model with what an auditor needs: {@code model.zip}
 * ({@code ModelSerializer}, a {@link MultiLayerNetwork} or {@link ComputationGraph} that predicts on raw
 * input, named in the report's {@code model_type}), {@code pipeline.ser} (the post-processing steps),
 * {@code ledger.jsonl} (a copy of the privacy ledger), {@code privacy-report.json} and
 * {@code privacy-report.txt}.
 *
 * <p>Privacy assumption: the report's ε is the one of the ledger copied here; anything released beside
 * the model that is not in that ledger (e.g. diagnostics on private data, which the report flags) is
 * not covered.
 */
public final class PrivateModelBundle {

    public static final String MODEL = "model.zip";
    public static final String PIPELINE = "pipeline.ser";
    public static final String LEDGER = "ledger.jsonl";
    public static final String REPORT_JSON = "privacy-report.json";
    public static final String REPORT_TEXT = "privacy-report.txt";

    private PrivateModelBundle() {
    }

    /**
     * Writes the bundle into {@code dir} (created if needed).
     *
     * @param model the exported network ({@link MultiLayerNetwork} or {@link ComputationGraph})
     *
     * @param diagnostics NC diagnostics to include, or {@code null}
     * @param extra further key/value lines for the report (e.g. which examples were public), may be empty
     */
    public static void save(Path dir, Model model, FeaturePipeline pipeline, PrivacyReport report,
                            NeuralCollapse.Result diagnostics, Map<String, String> extra) throws IOException {
        Objects.requireNonNull(model, "model");
        if (!(model instanceof MultiLayerNetwork || model instanceof ComputationGraph)) {
            throw new IllegalArgumentException("the bundle ships a MultiLayerNetwork or a ComputationGraph, got "
                    + model.getClass().getName());
        }
        Objects.requireNonNull(pipeline, "pipeline");
        Objects.requireNonNull(report, "report");
        Files.createDirectories(dir);
        ModelSerializer.writeModel(model, dir.resolve(MODEL).toFile(), false);
        pipeline.save(dir.resolve(PIPELINE));
        if (!report.ledger().toAbsolutePath().equals(dir.resolve(LEDGER).toAbsolutePath())) {
            Files.copy(report.ledger(), dir.resolve(LEDGER), StandardCopyOption.REPLACE_EXISTING);
        }
        ObjectNode json = toJson(report, pipeline, diagnostics, extra == null ? Map.of() : extra,
                PrivacyLedger.read(dir.resolve(LEDGER)));
        json.put("model", MODEL);
        json.put("model_type", model instanceof ComputationGraph ? "ComputationGraph" : "MultiLayerNetwork");
        ObjectMapper m = new ObjectMapper();
        Files.writeString(dir.resolve(REPORT_JSON), m.writerWithDefaultPrettyPrinter().writeValueAsString(json));
        Files.writeString(dir.resolve(REPORT_TEXT), toText(report, pipeline, diagnostics, extra == null ? Map.of() : extra));
    }

    /** Loads the model of a bundle saved from a {@link MultiLayerNetwork}. */
    public static MultiLayerNetwork loadModel(Path dir) throws IOException {
        return ModelSerializer.restoreMultiLayerNetwork(dir.resolve(MODEL).toFile(), false);
    }

    /** Loads the model of a bundle saved from a {@link ComputationGraph} (e.g. {@link PrivateModelExport#toGraph}). */
    public static ComputationGraph loadGraph(Path dir) throws IOException {
        return ModelSerializer.restoreComputationGraph(dir.resolve(MODEL).toFile(), false);
    }

    static ObjectNode toJson(PrivacyReport r, FeaturePipeline p, NeuralCollapse.Result nc, Map<String, String> extra,
                             java.util.List<LedgerRecord> records) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode o = m.createObjectNode();
        o.put("epsilon", r.epsilon());
        o.put("delta", r.delta());
        o.put("accountant", r.accountant());
        o.put("neighbouring_relation", "add/remove one record");
        o.put("head_steps", r.steps());
        o.put("head_noise_multiplier", r.noiseMultiplier());
        o.put("clipping", r.clipping());
        o.put("sampling", r.sampling());
        o.put("secure_noise", r.secure());
        o.put("ledger", LEDGER);
        Map<String, Long> byMechanism = new LinkedHashMap<>();
        for (LedgerRecord rec : records) {
            byMechanism.merge(rec.mechanism(), rec.steps(), Long::sum);
        }
        ObjectNode mech = o.putObject("ledger_steps_by_mechanism");
        byMechanism.forEach(mech::put);
        ArrayNode steps = o.putArray("post_processing");
        for (FeatureStep s : p.steps()) {
            ObjectNode n = steps.addObject();
            n.put("step", s.describe());
            n.put("cost_kind", s.cost().kind().name());
            n.put("free", s.cost().isFree());
            if (!s.cost().isFree()) {
                n.put("mechanism", s.cost().mechanism());
                n.put("noise_multiplier", s.cost().noiseMultiplier());
            }
        }
        if (nc != null) {
            ObjectNode n = o.putObject("neural_collapse");
            n.put("source", nc.source().name());
            n.put("covered_by_epsilon", nc.source() == NeuralCollapse.DataSource.PUBLIC);
            n.put("rows", nc.rows());
            n.put("nc1", nc.nc1());
            n.put("cosine_mean", nc.cosineMean());
            n.put("cosine_etf", -1.0 / (nc.classes() - 1));
            n.put("cosine_max_error", nc.cosineMaxError());
            n.put("norm_cv", nc.normCv());
            n.put("etf_distance", nc.etfDistance());
            n.put("shift_mean", nc.shiftMean());
            n.put("shift_p95", nc.shift95());
            n.put("offset", nc.offset());
            if (nc.source() != NeuralCollapse.DataSource.PUBLIC) {
                n.put("warning", "computed on private data WITHOUT privacy on explicit opt-in; not covered by epsilon");
            }
        }
        ArrayNode notes = o.putArray("notes");
        r.notes().forEach(notes::add);
        ObjectNode ex = o.putObject("context");
        extra.forEach(ex::put);
        return o;
    }

    static String toText(PrivacyReport r, FeaturePipeline p, NeuralCollapse.Result nc, Map<String, String> extra) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "Privacy guarantee: (epsilon=%.4f, delta=%.1e), %s accountant, add/remove-one "
                + "record, over everything in %s.%n", r.epsilon(), r.delta(), r.accountant(), LEDGER));
        b.append(String.format(Locale.ROOT, "Head: %d steps, sigma=%.4f, %s; %s.%n", r.steps(), r.noiseMultiplier(),
                r.clipping(), r.sampling()));
        b.append(r.secure() ? "Noise: secure (CSPRNG).\n" : "Noise: SEEDED, NOT a private release.\n");
        b.append("Post-processing:\n");
        if (p.steps().isEmpty()) {
            b.append("  (none)\n");
        }
        for (FeatureStep s : p.steps()) {
            b.append("  - ").append(s.describe()).append('\n');
        }
        if (nc != null) {
            b.append(nc).append('\n');
        }
        for (String note : r.notes()) {
            b.append("Note: ").append(note).append('\n');
        }
        extra.forEach((k, v) -> b.append(k).append(": ").append(v).append('\n'));
        b.append("Not covered: choices made by looking at the private data (hyperparameters, architecture), and "
                + "anything released outside the ledger.\n");
        return b.toString();
    }
}
