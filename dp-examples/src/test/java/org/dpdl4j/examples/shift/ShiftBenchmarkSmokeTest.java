package org.dpdl4j.examples.shift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.accountant.pld.PldAccountant;
import org.dpdl4j.examples.data.FashionMnist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reduced shift benchmark on real Fashion-MNIST (the full table is behind {@code bin/example
 * shift-benchmark}, see docs/results.md): tiny sizes, inverted images, surgical first-block and DP-LP-FT at
 * ε = 3 with their σ = 0 references. Checks the privacy bookkeeping of every cell from its ledger file and
 * that adaptation beats the unadapted source model.
 */
class ShiftBenchmarkSmokeTest {

    @TempDir
    Path dir;

    @Test
    void reducedBenchmarkRunsWithinBudgetAndAdapts() throws Exception {
        assumeTrue(FashionMnist.isAvailable(), "Fashion-MNIST missing: apt-get install dataset-fashion-mnist");
        ShiftBenchmark b = new ShiftBenchmark();
        b.quick = true;
        b.sourceSize = 1000;
        b.targetSize = 600;
        b.testSize = 300;
        b.batch = 60.0;
        b.epochs = 1.0;
        b.probeSteps = 10L;
        b.shifts = List.of("invert");
        b.strategies = List.of("first-block", "lp-ft");
        b.epsilons = List.of(3.0);
        b.out = dir;
        List<ShiftBenchmark.Cell> cells = b.run();
        Map<String, ShiftBenchmark.Cell> byId = cells.stream()
                .collect(Collectors.toMap(c -> c.strategy() + "|" + c.epsilon(), c -> c));
        assertEquals(5, cells.size(), byId.keySet().toString());
        double source = byId.get("source|none").accuracy();
        for (String s : List.of("first-block", "lp-ft")) {
            ShiftBenchmark.Cell c = byId.get(s + "|3");
            assertTrue(c.epsilonSpent() <= 3.0 && c.epsilonSpent() > 2.97, s + " spent " + c.epsilonSpent());
            assertTrue(c.frozenChecked() > 0, s + " froze and checked some parameters");
            Path ledger = dir.resolve("ledgers").resolve("invert-" + s + "-eps3.jsonl");
            double audited = PldAccountant.withDefaults().epsilon(PrivacyLedger.readEvent(ledger), 1e-5).epsilon();
            assertEquals(c.epsilonSpent(), audited, 1e-12, "an auditor recomputes eps from " + ledger);
            assertTrue(byId.containsKey(s + "|inf"), "sigma = 0 reference of " + s);
        }
        assertTrue(byId.get("lp-ft|3").accuracy() > source + 0.1,
                "LP-FT " + byId.get("lp-ft|3").accuracy() + " vs unadapted " + source);
        String table = Files.readString(dir.resolve("table.md"));
        assertTrue(table.contains("| invert | lp-ft |") && table.contains("--strategies lp-ft"), table);
        // A second run reuses every recorded cell.
        assertEquals(5, b.run().size());
        assertEquals(5, Files.readAllLines(dir.resolve("results.jsonl")).size());
    }
}
