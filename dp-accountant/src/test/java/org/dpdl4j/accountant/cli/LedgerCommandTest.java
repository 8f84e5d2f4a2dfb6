package org.dpdl4j.accountant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.dpdl4j.accountant.event.ComposedEvent;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.accountant.rdp.RdpAccountant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerCommandTest {

    @TempDir
    Path dir;

    @Test
    void recomputesEpsilonFromSeveralLedgerFilesAlone() throws Exception {
        Path pca = dir.resolve("pca.jsonl");
        Path head = dir.resolve("head.jsonl");
        var step = PoissonSampledEvent.gaussian(0.01, 1.2);
        try (PrivacyLedger a = PrivacyLedger.open(pca); PrivacyLedger b = PrivacyLedger.open(head)) {
            a.append("dp-pca", GaussianEvent.of(8.0), 0, 1);
            b.append("dp-sgd", step, 0, 300);
            b.append("dp-sgd", step, 300, 200);
        }
        double expected = RdpAccountant.withDefaultOrders().epsilon(
                ComposedEvent.of(GaussianEvent.of(8.0), new SelfComposedEvent(step, 500)), 1e-5).epsilon();
        CliRunner.Result r = CliRunner.run("ledger", pca.toString(), head.toString(), "--delta", "1e-5", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(expected, json.get("epsilon").asDouble(), 1e-12);
        assertEquals(3, json.get("records").asInt());
        assertEquals(500, json.get("steps_by_mechanism").get("dp-sgd").asLong());
        assertEquals(1, json.get("steps_by_mechanism").get("dp-pca").asLong());
    }

    @Test
    void aTruncatedLedgerIsReportedInOneLineAndNotCounted() throws Exception {
        Path file = dir.resolve("run.jsonl");
        try (PrivacyLedger l = PrivacyLedger.open(file)) {
            l.append("dp-sgd", PoissonSampledEvent.gaussian(0.01, 1.2), 0, 10);
        }
        Files.writeString(file, "{\"format_version\":1,\"seq\":2,\"ti", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        CliRunner.Result r = CliRunner.run("ledger", file.toString(), "--delta", "1e-5");
        assertEquals(1, r.exitCode());
        assertTrue(r.out().isEmpty(), "no epsilon may be printed for a damaged ledger: " + r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("line 2"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void missingFileIsAOneLineError() {
        CliRunner.Result r = CliRunner.run("ledger", dir.resolve("nope.jsonl").toString(), "--delta", "1e-5");
        assertEquals(1, r.exitCode());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}
