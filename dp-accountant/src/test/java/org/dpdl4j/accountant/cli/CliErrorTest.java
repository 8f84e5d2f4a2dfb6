package org.dpdl4j.accountant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every bad input gives a non-zero exit code and exactly one readable line on stderr. */
class CliErrorTest {

    private static final int USAGE = 2;
    private static final int FAILURE = 1;

    private static String[] epsilon(String q, String sigma, String steps, String delta, String... more) {
        List<String> args = new ArrayList<>(List.of("epsilon", "--sampling-rate", q, "--noise-multiplier", sigma,
                "--steps", steps, "--delta", delta));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    static Stream<Arguments> badInputs() {
        String missingDir = Path.of(System.getProperty("java.io.tmpdir"), "no-such-dir-dp-accountant", "x.csv").toString();
        return Stream.of(
                Arguments.of("sigma zero", USAGE, "noise multiplier", epsilon("0.01", "0", "10", "1e-5")),
                Arguments.of("sigma negative", USAGE, "noise multiplier", epsilon("0.01", "-1", "10", "1e-5")),
                Arguments.of("sigma NaN", USAGE, "noise multiplier", epsilon("0.01", "NaN", "10", "1e-5")),
                Arguments.of("sigma infinite", USAGE, "noise multiplier", epsilon("0.01", "Infinity", "10", "1e-5")),
                Arguments.of("q zero", USAGE, "sampling rate", epsilon("0", "1", "10", "1e-5")),
                Arguments.of("q above one", USAGE, "sampling rate", epsilon("1.5", "1", "10", "1e-5")),
                Arguments.of("q NaN", USAGE, "sampling rate", epsilon("NaN", "1", "10", "1e-5")),
                Arguments.of("delta zero", USAGE, "delta", epsilon("0.01", "1", "10", "0")),
                Arguments.of("delta one", USAGE, "delta", epsilon("0.01", "1", "10", "1")),
                Arguments.of("delta NaN", USAGE, "delta", epsilon("0.01", "1", "10", "NaN")),
                Arguments.of("delta not a number", USAGE, "--delta", epsilon("0.01", "1", "10", "small")),
                Arguments.of("negative steps", USAGE, "steps", epsilon("0.01", "1", "-1", "1e-5")),
                Arguments.of("fractional steps", USAGE, "--steps", epsilon("0.01", "1", "2.5", "1e-5")),
                Arguments.of("unknown accountant", USAGE, "rdp, pld, gaussian",
                        epsilon("0.01", "1", "10", "1e-5", "--accountant", "moments")),
                Arguments.of("prv accountant", USAGE, "pld", epsilon("0.01", "1", "10", "1e-5", "--accountant", "PRV")),
                Arguments.of("event with two fields", USAGE, "Q:S:T",
                        new String[] {"epsilon", "--event", "0.01:1.0", "--delta", "1e-5"}),
                Arguments.of("event not numeric", USAGE, "noise multiplier",
                        new String[] {"epsilon", "--event", "0.01:abc:10", "--delta", "1e-5"}),
                Arguments.of("event fractional steps", USAGE, "steps",
                        new String[] {"epsilon", "--event", "0.01:1:10.5", "--delta", "1e-5"}),
                Arguments.of("event out of range", USAGE, "sampling rate",
                        new String[] {"epsilon", "--event", "2:1:10", "--delta", "1e-5"}),
                Arguments.of("event mixed with single flags", USAGE, "not both",
                        new String[] {"epsilon", "--event", "0.01:1:10", "--steps", "5", "--delta", "1e-5"}),
                Arguments.of("schedule incomplete", USAGE, "--noise-multiplier",
                        new String[] {"epsilon", "--sampling-rate", "0.01", "--steps", "5", "--delta", "1e-5"}),
                Arguments.of("gaussian accountant on a subsampled schedule", FAILURE, "rdp or pld",
                        epsilon("0.01", "1", "10", "1e-5", "--accountant", "gaussian")),
                Arguments.of("missing delta", USAGE, "--delta",
                        new String[] {"epsilon", "--sampling-rate", "0.01", "--noise-multiplier", "1", "--steps", "5"}),
                Arguments.of("unknown option", USAGE, "--bogus", epsilon("0.01", "1", "10", "1e-5", "--bogus")),
                Arguments.of("option given twice", USAGE, "--steps", epsilon("0.01", "1", "10", "1e-5", "--steps", "3")),
                Arguments.of("no command", USAGE, "missing command", new String[] {}),
                Arguments.of("unknown command", USAGE, "unknown command 'epsilo'",
                        new String[] {"epsilo", "--delta", "1e-5"}),
                Arguments.of("order not above one", USAGE, "orders",
                        epsilon("0.01", "1", "10", "1e-5", "--orders", "1,2,4")),
                Arguments.of("orders for a non-rdp accountant", USAGE, "rdp",
                        epsilon("1", "1", "10", "1e-5", "--accountant", "gaussian", "--orders", "2,4")),
                Arguments.of("negative epsilon for delta", USAGE, "epsilon", new String[] {"delta",
                        "--sampling-rate", "0.01", "--noise-multiplier", "1", "--steps", "5", "--epsilon", "-1"}),
                Arguments.of("zero target epsilon", USAGE, "target epsilon", new String[] {"noise",
                        "--target-epsilon", "0", "--delta", "1e-5", "--sampling-rate", "0.01", "--steps", "10"}),
                Arguments.of("noise for zero steps", USAGE, "steps", new String[] {"noise",
                        "--target-epsilon", "1", "--delta", "1e-5", "--sampling-rate", "0.01", "--steps", "0"}),
                Arguments.of("unreachable target", FAILURE, "raise the target", new String[] {"noise",
                        "--target-epsilon", "1e-9", "--delta", "1e-5", "--sampling-rate", "1", "--steps", "100000"}),
                Arguments.of("max steps zero", USAGE, "--max-steps", new String[] {"steps", "--target-epsilon", "1",
                        "--delta", "1e-5", "--sampling-rate", "0.01", "--noise-multiplier", "1", "--max-steps", "0"}),
                Arguments.of("curve without csv", USAGE, "--csv", new String[] {"curve", "--sampling-rate", "0.01",
                        "--noise-multiplier", "1", "--steps", "10", "--delta", "1e-5"}),
                Arguments.of("curve of zero steps", USAGE, "steps", new String[] {"curve", "--sampling-rate", "0.01",
                        "--noise-multiplier", "1", "--steps", "0", "--delta", "1e-5", "--csv", missingDir}),
                Arguments.of("curve with zero points", USAGE, "--points", new String[] {"curve", "--sampling-rate",
                        "0.01", "--noise-multiplier", "1", "--steps", "10", "--delta", "1e-5", "--points", "0",
                        "--csv", missingDir}),
                Arguments.of("curve csv in a missing directory", FAILURE, "cannot write CSV", new String[] {"curve",
                        "--sampling-rate", "0.01", "--noise-multiplier", "1", "--steps", "10", "--delta", "1e-5",
                        "--csv", missingDir}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void badInputGivesOneErrorLine(String name, int expectedCode, String mentions, String[] args) {
        CliRunner.Result r = CliRunner.run(args);
        assertEquals(expectedCode, r.exitCode(), () -> name + ": stderr " + r.err());
        assertEquals("", r.out(), name + ": nothing on stdout");
        String err = r.err();
        assertTrue(err.endsWith("\n") || err.endsWith("\r\n"), err);
        List<String> lines = err.lines().toList();
        assertEquals(1, lines.size(), () -> name + ": expected one stderr line, got:\n" + err);
        String line = lines.get(0);
        assertTrue(line.startsWith("dp-accountant: error: "), line);
        assertTrue(line.contains(mentions), () -> name + ": expected '" + mentions + "' in: " + line);
        assertFalse(line.contains("Exception"), line);
        assertFalse(line.contains("at org."), line);
        assertFalse(line.contains("at java."), line);
    }

    @Test
    void oneLineJoinsMultiLineMessages() {
        assertEquals("a; b", DpAccountantCli.oneLine("a\n  b\n"));
        assertEquals("", DpAccountantCli.oneLine(null));
    }
}
