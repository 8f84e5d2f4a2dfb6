package org.dpdl4j.accountant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** The README's main command: the tight accountant through the CLI, with its stated error bound. */
class PldCliTest {

    @Test
    void pldReportsEpsilonWithItsErrorBoundBelowRdp() {
        String[] common = {"epsilon", "--sampling-rate", "0.0042666667", "--noise-multiplier", "1.1", "--steps", "14062",
            "--delta", "1e-5", "--json"};
        CliRunner.Result pld = CliRunner.run(concat(common, "--accountant", "pld"));
        assertEquals(0, pld.exitCode(), pld.err());
        JsonNode j = pld.json();
        double eps = j.get("epsilon").asDouble();
        double err = j.get("error_bound").asDouble();
        assertEquals("pld", j.get("accountant").asText());
        assertTrue(err > 0 && err < 0.01 * eps, "stated error " + err);
        assertEquals(2.3817, eps, 0.01 * 2.3817, "published PLD value for this setting");
        double rdp = CliRunner.run(common).json().get("epsilon").asDouble();
        assertTrue(eps <= rdp, "pld " + eps + " must not exceed rdp " + rdp);
    }

    @Test
    void exactGaussianRefusesSubsampledStepsInOneLine() {
        CliRunner.Result r = CliRunner.run("epsilon", "--event", "0.01:1.0:100", "--delta", "1e-5", "--accountant", "gaussian");
        assertEquals(1, r.exitCode());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
