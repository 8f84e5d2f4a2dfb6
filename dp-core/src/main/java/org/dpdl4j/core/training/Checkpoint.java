package org.dpdl4j.core.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.dpdl4j.core.sampling.SamplerState;

/**
 * On-disk checkpoint of a DP training run: {@code model.zip} (network and updater state, DL4J's format)
 * and {@code state.json} (steps, σ, sampler and clipping state, ledger path). Written to a temporary
 * directory and moved into place, so a crash mid-write never destroys the previous checkpoint.
 *
 * <p>Privacy assumption: a checkpoint holds no random-generator state; the ledger, not the
 * checkpoint, is the record of spending, so steps taken after the last checkpoint stay counted.
 */
final class Checkpoint {

    static final int FORMAT_VERSION = 1;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Checkpoint() {
    }

    record State(long steps, double noiseMultiplier, SamplerState samplerState, double[] clippingState, Path ledger) {
    }

    static void write(Path dir, MultiLayerNetwork net, State state) {
        Path abs = dir.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        Path old = abs.resolveSibling(abs.getFileName() + ".old");
        try {
            deleteRecursively(tmp);
            Files.createDirectories(tmp);
            ModelSerializer.writeModel(net, tmp.resolve("model.zip").toFile(), true);
            ObjectNode json = MAPPER.createObjectNode();
            json.put("format_version", FORMAT_VERSION);
            json.put("steps", state.steps());
            json.put("noise_multiplier", state.noiseMultiplier());
            json.put("ledger", state.ledger().toString());
            ArrayNode clip = json.putArray("clipping_state");
            for (double v : state.clippingState()) {
                clip.add(v);
            }
            json.set("sampler_state", MAPPER.valueToTree(state.samplerState()));
            MAPPER.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve("state.json").toFile(), json);
            // At every point a complete checkpoint exists as abs or, between the two moves, as old (which
            // locate() falls back to). old is deleted only while abs is complete: after a crash between the
            // moves, abs is missing and old must survive until the new one is in place.
            if (Files.exists(abs)) {
                deleteRecursively(old);
                Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            deleteRecursively(old);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The directory to resume from: {@code dir}, or the previous checkpoint {@code dir.old} when a crash
     * came between the two moves of {@link #write} (then {@code dir} is missing and {@code dir.old} is
     * complete). Returns {@code dir} when neither holds a checkpoint, so that reading it reports the problem.
     */
    static Path locate(Path dir) {
        Path abs = dir.toAbsolutePath();
        Path old = abs.resolveSibling(abs.getFileName() + ".old");
        if (!Files.exists(abs) && Files.isRegularFile(old.resolve("state.json")) && Files.isRegularFile(old.resolve("model.zip"))) {
            return old;
        }
        return dir;
    }

    static State read(Path dir) {
        Path file = dir.resolve("state.json");
        try {
            ObjectNode json = (ObjectNode) MAPPER.readTree(file.toFile());
            int version = json.path("format_version").asInt(-1);
            if (version != FORMAT_VERSION) {
                throw new IllegalArgumentException("checkpoint " + dir + " has format version " + version + ", expected "
                        + FORMAT_VERSION + "; resume it with the dpdl4j version that wrote it");
            }
            double[] clip = new double[json.path("clipping_state").size()];
            for (int i = 0; i < clip.length; i++) {
                clip[i] = json.get("clipping_state").get(i).asDouble();
            }
            SamplerState sampler = MAPPER.treeToValue(json.get("sampler_state"), SamplerState.class);
            long steps = json.get("steps").asLong();
            double sigma = json.get("noise_multiplier").asDouble();
            if (steps < 0 || !(sigma > 0) || Double.isInfinite(sigma) || sampler == null || json.get("ledger").asText().isBlank()) {
                // The sampler state is not printed: it may hold the seed of a seeded run.
                throw new IOException("invalid values: steps " + steps + ", noise multiplier " + sigma + ", sampler state "
                        + (sampler == null ? "missing" : "present") + ", ledger '" + json.get("ledger").asText() + "'");
            }
            return new State(steps, sigma, sampler, clip, Path.of(json.get("ledger").asText()));
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException("cannot read checkpoint state " + file + ": " + e.getMessage()
                    + "; the checkpoint is missing or damaged: resume from an earlier checkpoint or start a new run "
                    + "(the ledger keeps every step already taken)", e);
        }
    }

    static MultiLayerNetwork readNetwork(Path dir) {
        Path file = dir.resolve("model.zip");
        try {
            return ModelSerializer.restoreMultiLayerNetwork(file.toFile(), true);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read checkpoint model " + file + ": " + e
                    + "; the checkpoint is missing or damaged: resume from an earlier checkpoint or start a new run "
                    + "(the ledger keeps every step already taken)", e);
        }
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
