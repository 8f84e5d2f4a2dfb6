package org.dpdl4j.accountant.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.dpdl4j.accountant.EpsilonResult;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.PrivacyParameters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dp-accountant epsilon}: the ε a schedule guarantees at a given δ. */
@Command(name = "epsilon", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Print the epsilon that a DP-SGD schedule guarantees at the given delta.")
final class EpsilonCommand extends CliCommand {

    @Mixin
    ScheduleOptions schedule;

    @Option(names = "--delta", paramLabel = "D", required = true, description = "Target delta in (0, 1), e.g. 1e-5.")
    double delta;

    @Mixin
    AccountantOptions accountantOptions;

    @Override
    public Integer call() {
        List<EventSpec> phases = schedule.phases();
        checked(() -> PrivacyParameters.checkDelta(delta));
        PrivacyAccountant accountant = accountantOptions.create();
        EpsilonResult result = accountant.epsilon(ScheduleOptions.event(phases), delta);
        if (json) {
            ObjectNode node = Json.object();
            Json.putResult(node, result);
            ScheduleOptions.writePhases(node, phases);
            Json.print(out(), node);
        } else {
            printResult(result);
        }
        return 0;
    }
}
