package org.dpdl4j.accountant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.dpdl4j.accountant.LibraryVersion;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import org.dpdl4j.accountant.gaussian.GaussianAccountant;
import org.junit.jupiter.api.Test;

class DpAccountantCliTest {

    /** The MNIST DP-SGD schedule of Abadi et al.: batch 256 of 60000, σ = 1.1, 60 epochs. */
    static final String Q = Double.toString(256.0 / 60000);
    static final String SIGMA = "1.1";
    static final String T = "14062";
    static final String DELTA = "1e-5";

    static CliRunner.Result ok(String... args) {
        CliRunner.Result r = CliRunner.run(args);
        assertEquals(0, r.exitCode(), () -> "exit code for " + String.join(" ", args) + "; stderr: " + r.err());
        assertEquals("", r.err());
        return r;
    }

    static double epsilonJson(String... args) {
        return ok(args).json().get("epsilon").asDouble();
    }

    @Test
    void epsilonJsonHasTheRdpFieldsForTheMnistSchedule() {
        JsonNode j = ok("epsilon", "--sampling-rate", Q, "--noise-multiplier", SIGMA, "--steps", T,
                "--delta", DELTA, "--json").json();
        assertEquals(2.5966, j.get("epsilon").asDouble(), 5e-4);
        assertEquals(1e-5, j.get("delta").asDouble(), 0.0);
        assertEquals("rdp", j.get("accountant").asText());
        // Best order on the dp_accounting grid; an interior order, so no grid-edge warning.
        assertEquals(8.1, j.get("order").asDouble(), 1e-12);
        assertFalse(j.has("error_bound"));
        assertTrue(j.get("notes").isArray() && j.get("notes").size() >= 1);
        j.get("notes").forEach(n -> assertFalse(n.asText().startsWith("warning"), n.asText()));
        JsonNode event = j.get("events").get(0);
        assertEquals(256.0 / 60000, event.get("sampling_rate").asDouble(), 0.0);
        assertEquals(14062, event.get("steps").asLong());
        assertEquals(LibraryVersion.get(), j.get("dpdl4j_version").asText());
    }

    @Test
    void epsilonTextPrintsEpsilonFirst() {
        String out = ok("epsilon", "--sampling-rate", Q, "--noise-multiplier", SIGMA, "--steps", T, "--delta", DELTA).out();
        assertTrue(out.startsWith("epsilon: 2.596"), out);
        assertTrue(out.contains("order: 8.1"), out);
    }

    @Test
    void eventsComposeLikeTheSumOfTheirSteps() {
        double single = epsilonJson("epsilon", "--sampling-rate", Q, "--noise-multiplier", SIGMA, "--steps", T,
                "--delta", DELTA, "--json");
        double split = epsilonJson("epsilon", "--event", Q + ":" + SIGMA + ":5000", "--event", Q + ":" + SIGMA + ":9062",
                "--delta", DELTA, "--json");
        assertEquals(single, split, 1e-12);
        double oneEvent = epsilonJson("epsilon", "--event", Q + ":" + SIGMA + ":" + T, "--delta", DELTA, "--json");
        assertEquals(single, oneEvent, 0.0);
    }

    @Test
    void heterogeneousEventsCostMoreThanEitherPhase() {
        double a = epsilonJson("epsilon", "--event", "0.01:1.0:1000", "--delta", DELTA, "--json");
        double b = epsilonJson("epsilon", "--event", "0.02:1.5:500", "--delta", DELTA, "--json");
        JsonNode both = ok("epsilon", "--event", "0.01:1.0:1000", "--event", "0.02:1.5:500", "--delta", DELTA,
                "--json").json();
        assertTrue(both.get("epsilon").asDouble() > Math.max(a, b));
        assertEquals(2, both.get("events").size());
    }

    @Test
    void gaussianAccountantHandlesNoisyGdExactly() {
        JsonNode j = ok("epsilon", "--sampling-rate", "1", "--noise-multiplier", "10", "--steps", "100",
                "--delta", DELTA, "--accountant", "gaussian", "--json").json();
        double expected = new GaussianAccountant().epsilon(
                new SelfComposedEvent(PoissonSampledEvent.gaussian(1.0, 10.0), 100), 1e-5).epsilon();
        assertEquals(expected, j.get("epsilon").asDouble(), 0.0);
        assertEquals("gaussian", j.get("accountant").asText());
        assertTrue(j.has("error_bound"));
        assertFalse(j.has("order"));
    }

    @Test
    void deltaAtTheReportedEpsilonIsWithinTheTargetDelta() {
        double eps = epsilonJson("epsilon", "--sampling-rate", Q, "--noise-multiplier", SIGMA, "--steps", T,
                "--delta", DELTA, "--json");
        JsonNode j = ok("delta", "--sampling-rate", Q, "--noise-multiplier", SIGMA, "--steps", T,
                "--epsilon", Double.toString(eps), "--json").json();
        double delta = j.get("delta").asDouble();
        assertTrue(delta <= 1e-5 * (1 + 1e-9) && delta > 0.5e-5, "delta " + delta);
        assertEquals(eps, j.get("epsilon").asDouble(), 0.0);
        assertEquals("rdp", j.get("accountant").asText());
    }

    @Test
    void calibratedNoiseMeetsTheTargetClosely() {
        JsonNode j = ok("noise", "--target-epsilon", "3", "--delta", DELTA, "--sampling-rate", Q, "--steps", T,
                "--json").json();
        double sigma = j.get("noise_multiplier").asDouble();
        double achieved = j.get("epsilon").asDouble();
        assertTrue(achieved <= 3.0 && achieved > 3.0 - 1e-4, "achieved " + achieved);
        // Round trip through the epsilon command with the printed σ.
        double again = epsilonJson("epsilon", "--sampling-rate", Q, "--noise-multiplier", Double.toString(sigma),
                "--steps", T, "--delta", DELTA, "--json");
        assertEquals(achieved, again, 0.0);
        assertTrue(sigma < 1.1, "σ for ε = 3 must be below the σ = 1.1 that gives ε ≈ 2.6");
    }

    @Test
    void stepsIsTheLargestCountWithinBudget() {
        JsonNode j = ok("steps", "--target-epsilon", "3", "--delta", DELTA, "--sampling-rate", Q,
                "--noise-multiplier", SIGMA, "--json").json();
        long steps = j.get("steps").asLong();
        assertFalse(j.get("capped").asBoolean());
        assertTrue(steps > 14062, "ε(14062) ≈ 2.6 < 3, so more steps fit");
        double at = epsilonJson("epsilon", "--sampling-rate", Q, "--noise-multiplier", SIGMA,
                "--steps", Long.toString(steps), "--delta", DELTA, "--json");
        double after = epsilonJson("epsilon", "--sampling-rate", Q, "--noise-multiplier", SIGMA,
                "--steps", Long.toString(steps + 1), "--delta", DELTA, "--json");
        assertTrue(at <= 3.0 && after > 3.0, at + " / " + after);
        assertEquals(at, j.get("epsilon").asDouble(), 0.0);
    }

    @Test
    void stepsReportsWhenTheCapIsReached() {
        JsonNode j = ok("steps", "--target-epsilon", "10", "--delta", DELTA, "--sampling-rate", Q,
                "--noise-multiplier", SIGMA, "--max-steps", "100", "--json").json();
        assertEquals(100, j.get("steps").asLong());
        assertTrue(j.get("capped").asBoolean());
    }

    @Test
    void helpAndVersion() {
        CliRunner.Result help = ok("--help");
        for (String command : new String[] {"epsilon", "delta", "noise", "steps", "curve"}) {
            assertTrue(help.out().contains(command), help.out());
        }
        assertTrue(ok("epsilon", "--help").out().contains("--event"));
        assertTrue(ok("--version").out().contains(LibraryVersion.get()));
    }
}
