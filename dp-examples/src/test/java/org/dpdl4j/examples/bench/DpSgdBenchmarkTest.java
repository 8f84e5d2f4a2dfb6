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

    /** Runs one side alone and checks its JSON: the mode flag, ordered positive timings, and no other side. */
    private static void checkOneSide(String option, String flag, String prefix, String absent) throws Exception {
        JsonNode j = run("--model", "mlp", "--batch", "32", "--steps", "5", "--warmup", "1", option, "--json");
        assertTrue(j.get(flag).asBoolean());
        double p10 = j.get(prefix + "p10_ms").asDouble();
        double median = j.get(prefix + "ms_per_step").asDouble();
        assertTrue(p10 > 0 && p10 <= median && median <= j.get(prefix + "p90_ms").asDouble(), j.toString());
        assertFalse(j.has(absent), "the other side does not run in " + option + " mode");
    }

    @Test
    void dl4jOnlyTimesTheBaselineAlone() throws Exception {
        checkOneSide("--dl4j-only", "dl4j_only", "nonprivate_dl4j_", "dp_ms_per_step");
    }

    @Test
    void dpOnlyTimesPrivateStepsAlone() throws Exception {
        checkOneSide("--dp-only", "dp_only", "dp_", "nonprivate_dl4j_ms_per_step");
        assertEquals(2, new CommandLine(new DpSgdBenchmark()).execute("--dp-only", "--dl4j-only"), "the two modes exclude each other");
    }
}
