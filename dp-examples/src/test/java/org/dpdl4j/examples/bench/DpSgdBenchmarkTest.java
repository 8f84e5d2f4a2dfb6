package org.dpdl4j.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The benchmark's JSON: both sides timed in one process, and the DL4J-only mode that checks the baseline. */
class DpSgdBenchmarkTest {

    private static JsonNode run(String... args) throws Exception {
        PrintStream before = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = new CommandLine(new DpSgdBenchmark()).execute(args);
        } finally {
            System.setOut(before);
        }
        assertEquals(0, code);
        String out = captured.toString(StandardCharsets.UTF_8).trim();
        return new ObjectMapper().readTree(out.substring(out.lastIndexOf('\n') + 1));
    }

    @Test
    void reportsBothSidesAndTheirRatio() throws Exception {
        JsonNode j = run("--model", "mlp", "--batch", "32", "--steps", "4", "--warmup", "1", "--rounds", "2", "--json");
        double dp = j.get("dp_ms_per_step").asDouble();
        double fit = j.get("nonprivate_dl4j_ms_per_step").asDouble();
        assertTrue(dp > 0 && fit > 0, j.toString());
        assertEquals(dp / fit, j.get("ratio").asDouble(), 1e-12);
        assertFalse(j.get("engine_fallback").asBoolean());
    }

    @Test
    void dl4jOnlyTimesTheBaselineAlone() throws Exception {
        JsonNode j = run("--model", "mlp", "--batch", "32", "--steps", "5", "--warmup", "1", "--dl4j-only", "--json");
        assertTrue(j.get("dl4j_only").asBoolean());
        double p10 = j.get("nonprivate_dl4j_p10_ms").asDouble();
        double median = j.get("nonprivate_dl4j_ms_per_step").asDouble();
        assertTrue(p10 > 0 && p10 <= median && median <= j.get("nonprivate_dl4j_p90_ms").asDouble(), j.toString());
        assertFalse(j.has("dp_ms_per_step"), "no DP step runs in this mode");
    }

    @Test
    void dpOnlyTimesPrivateStepsAlone() throws Exception {
        JsonNode j = run("--model", "mlp", "--batch", "32", "--steps", "5", "--warmup", "1", "--dp-only", "--json");
        assertTrue(j.get("dp_only").asBoolean());
        double p10 = j.get("dp_p10_ms").asDouble();
        double median = j.get("dp_ms_per_step").asDouble();
        assertTrue(p10 > 0 && p10 <= median && median <= j.get("dp_p90_ms").asDouble(), j.toString());
        assertFalse(j.has("nonprivate_dl4j_ms_per_step"), "no DL4J fit runs in this mode");
        assertEquals(2, new CommandLine(new DpSgdBenchmark()).execute("--dp-only", "--dl4j-only"), "the two modes exclude each other");
    }
}
