package org.dpdl4j.accountant.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.PrivacyParameters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dp-accountant delta}: the δ a schedule guarantees at a given ε. */
@Command(name = "delta", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Print the delta that a DP-SGD schedule guarantees at the given epsilon.")
final class DeltaCommand extends CliCommand {

    @Mixin
    ScheduleOptions schedule;

    @Option(names = "--epsilon", paramLabel = "E", required = true, description = "Epsilon >= 0.")
    double epsilon;

    @Mixin
    AccountantOptions accountantOptions;

    @Override
    public Integer call() {
        List<EventSpec> phases = schedule.phases();
        checked(() -> PrivacyParameters.checkEpsilon(epsilon));
        PrivacyAccountant accountant = accountantOptions.create();
        double delta = accountant.delta(ScheduleOptions.event(phases), epsilon);
        if (json) {
            ObjectNode node = Json.object();
            node.put("delta", delta);
            node.put("epsilon", epsilon);
            node.put("accountant", accountant.name());
            ScheduleOptions.writePhases(node, phases);
            Json.print(out(), node);
        } else {
            out().println("delta: " + delta);
            out().println("epsilon: " + epsilon);
            out().println("accountant: " + accountant.name());
        }
        return 0;
    }
}
