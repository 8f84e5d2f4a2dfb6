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
            deleteRecursively(old);
            if (Files.exists(abs)) {
                Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            deleteRecursively(old);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + dir + ": " + e.getMessage(), e);
        }
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
            return new State(json.get("steps").asLong(), json.get("noise_multiplier").asDouble(), sampler, clip,
                    Path.of(json.get("ledger").asText()));
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException("cannot read checkpoint state " + file + ": " + e.getMessage()
                    + "; the checkpoint is missing or damaged", e);
        }
    }

    static MultiLayerNetwork readNetwork(Path dir) {
        try {
            return ModelSerializer.restoreMultiLayerNetwork(dir.resolve("model.zip").toFile(), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint model " + dir.resolve("model.zip") + ": " + e.getMessage(), e);
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
