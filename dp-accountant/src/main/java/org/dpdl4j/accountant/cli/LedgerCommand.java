package org.dpdl4j.accountant.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.dpdl4j.accountant.EpsilonResult;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.PrivacyParameters;
import org.dpdl4j.accountant.ledger.LedgerRecord;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dp-accountant ledger}: recomputes ε from one or more ledger files alone, with any accountant,
 * so an auditor needs neither the training code nor its printed numbers. Several files compose (e.g. a
 * DP-PCA fit and head training). A damaged file is reported, never partly counted.
 */
@Command(name = "ledger", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Recompute epsilon from privacy ledger files (JSON Lines); several files compose.")
final class LedgerCommand extends CliCommand {

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Ledger files written by PrivacyLedger.")
    List<Path> files;

    @Option(names = "--delta", paramLabel = "D", required = true, description = "Target delta in (0, 1), e.g. 1e-5.")
    double delta;

    @Mixin
    AccountantOptions accountantOptions;

    @Override
    public Integer call() {
        checked(() -> PrivacyParameters.checkDelta(delta));
        PrivacyAccountant accountant = accountantOptions.create();
        List<LedgerRecord> records = new ArrayList<>();
        for (Path file : files) {
            try {
                records.addAll(PrivacyLedger.read(file));
            } catch (IOException e) {
                throw new CliFailure("cannot use ledger " + file + ": " + e.getMessage(), e);
            }
        }
        EpsilonResult result = accountant.epsilon(PrivacyLedger.compose(records), delta);
        Map<String, Long> stepsByMechanism = new TreeMap<>();
        for (LedgerRecord r : records) {
            stepsByMechanism.merge(r.mechanism(), r.steps(), Long::sum);
        }
        if (json) {
            ObjectNode node = Json.object();
            Json.putResult(node, result);
            node.put("records", records.size());
            ArrayNode fs = node.putArray("files");
            files.forEach(f -> fs.add(f.toString()));
            ObjectNode mech = node.putObject("steps_by_mechanism");
            stepsByMechanism.forEach(mech::put);
            Json.print(out(), node);
        } else {
            printResult(result);
            out().println("records: " + records.size());
            stepsByMechanism.forEach((m, s) -> out().println("steps[" + m + "]: " + s));
        }
        return 0;
    }
}
