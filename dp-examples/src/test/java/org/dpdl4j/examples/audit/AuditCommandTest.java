package org.dpdl4j.examples.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.dpdl4j.examples.Examples;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class AuditCommandTest {

    private static JsonNode run(String... args) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            code = new CommandLine(new Examples()).execute(args);
        } finally {
            System.setOut(old);
        }
        assertEquals(0, code, out.toString(StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        return new ObjectMapper().readTree(text.substring(text.indexOf('{')));
    }

    private static void checkResult(JsonNode json, int canaries, int guesses) {
        assertEquals(canaries, json.get("canaries").asInt());
        assertEquals(guesses, json.get("guesses").asInt());
        assertTrue(json.get("correct").asInt() <= guesses);
        double claimed = json.get("claimed_epsilon").asDouble();
        double bound = json.get("epsilon_lower_bound").asDouble();
        assertTrue(claimed > 0, json.toString());
        assertTrue(bound >= 0 && bound <= claimed, json.toString());
        assertFalse(json.get("exceeds_claim").asBoolean());
        assertEquals(0.95, json.get("confidence").asDouble(), 1e-12);
    }

    @Test
    void dpSgdAuditPrintsTheClaimAndTheBoundAsJson() throws Exception {
        JsonNode json = run("audit", "--canaries", "150", "--real-rows", "100", "--batch", "10", "--epochs", "1",
                "--seed", "1");
        checkResult(json, 150, 5);
        assertTrue(json.get("audit").asText().contains("Dirac"), json.toString());
        assertTrue(json.get("mechanism").asText().toLowerCase(java.util.Locale.ROOT).startsWith("pld"), json.toString());
    }

    @Test
    void headAuditPrintsTheClaimAndTheBoundAsJson() throws Exception {
        JsonNode json = run("audit", "--target", "head", "--sampling", "full", "--sigma", "2", "--steps", "20",
                "--canaries", "150", "--guess-included", "10", "--guess-excluded", "10", "--seed", "2");
        checkResult(json, 150, 20);
        assertTrue(json.get("audit").asText().contains("head"), json.toString());
    }

    @Test
    void badOptionsFailWithAMessage() {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Examples());
        cl.setErr(new PrintWriter(err));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            err.write("example: error: " + ex.getMessage());
            return 1;
        });
        assertNotEquals(0, cl.execute("audit", "--target", "cnn"));
        assertTrue(err.toString().contains("--target must be dpsgd, head or blackbox"), err.toString());
        assertNotEquals(0, cl.execute("audit", "--canaries", "0"));
        assertTrue(err.toString().contains("at least one canary"), err.toString());
    }
}
