package org.dpdl4j.accountant.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.dpdl4j.accountant.EpsilonResult;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.PrivacyParameters;
import org.dpdl4j.accountant.calibration.NoiseCalibration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dp-accountant steps}: how many steps a privacy budget allows. */
@Command(name = "steps", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Print the largest number of steps whose epsilon at delta stays within the target.")
final class StepsCommand extends CliCommand {

    @Option(names = "--target-epsilon", paramLabel = "E", required = true, description = "Target epsilon > 0.")
    double targetEpsilon;

    @Option(names = "--delta", paramLabel = "D", required = true, description = "Target delta in (0, 1), e.g. 1e-5.")
    double delta;

    @Option(names = "--sampling-rate", paramLabel = "Q", required = true,
            description = "Poisson sampling rate q in (0, 1]: expected batch size / dataset size.")
    double samplingRate;

    @Option(names = "--noise-multiplier", paramLabel = "S", required = true,
            description = "Noise multiplier σ > 0: noise std / clipping norm.")
    double noiseMultiplier;

    @Option(names = "--max-steps", paramLabel = "N", defaultValue = "10000000",
            description = "Search no further than N steps (default: ${DEFAULT-VALUE}).")
    long maxSteps;

    @Mixin
    AccountantOptions accountantOptions;

    @Override
    public Integer call() {
        checked(() -> PrivacyParameters.checkTargetEpsilon(targetEpsilon));
        checked(() -> PrivacyParameters.checkDelta(delta));
        checked(() -> PrivacyParameters.checkSamplingRate(samplingRate));
        checked(() -> PrivacyParameters.checkNoiseMultiplier(noiseMultiplier));
        if (maxSteps < 1) {
            throw invalid("--max-steps must be >= 1, got " + maxSteps);
        }
        PrivacyAccountant accountant = accountantOptions.create();
        long steps = NoiseCalibration.maxSteps(accountant,
                t -> new EventSpec(samplingRate, noiseMultiplier, t).toEvent(), targetEpsilon, delta, maxSteps);
        EpsilonResult result = accountant.epsilon(new EventSpec(samplingRate, noiseMultiplier, steps).toEvent(), delta);
        // At the cap the budget may allow more; the user has to know the number is a lower bound.
        boolean capped = steps == maxSteps;
        if (json) {
            ObjectNode node = Json.object();
            node.put("steps", steps);
            node.put("capped", capped);
            Json.putResult(node, result);
            node.put("target_epsilon", targetEpsilon);
            node.put("sampling_rate", samplingRate);
            node.put("noise_multiplier", noiseMultiplier);
            node.put("max_steps", maxSteps);
            Json.print(out(), node);
        } else {
            out().println("steps: " + steps);
            if (capped) {
                out().println("note: reached --max-steps " + maxSteps + "; the budget may allow more steps");
            } else if (steps == 0) {
                out().println("note: even one step exceeds the target; raise the noise multiplier or the target");
            }
            printResult(result);
        }
        return 0;
    }
}
