package org.dpdl4j.accountant.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import org.dpdl4j.accountant.EpsilonResult;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.PrivacyParameters;
import org.dpdl4j.accountant.calibration.NoiseCalibration;
import org.dpdl4j.accountant.event.DpEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dp-accountant noise}: the smallest noise multiplier that meets a target (ε, δ). */
@Command(name = "noise", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Print the smallest noise multiplier whose schedule meets the target epsilon at delta, "
                + "and the epsilon it achieves.")
final class NoiseCommand extends CliCommand {

    @Option(names = "--target-epsilon", paramLabel = "E", required = true, description = "Target epsilon > 0.")
    double targetEpsilon;

    @Option(names = "--delta", paramLabel = "D", required = true, description = "Target delta in (0, 1), e.g. 1e-5.")
    double delta;

    @Option(names = "--sampling-rate", paramLabel = "Q", required = true,
            description = "Poisson sampling rate q in (0, 1]: expected batch size / dataset size.")
    double samplingRate;

    @Option(names = "--steps", paramLabel = "T", required = true, description = "Number of training steps T >= 1.")
    long steps;

    @Mixin
    AccountantOptions accountantOptions;

    @Override
    public Integer call() {
        checked(() -> PrivacyParameters.checkTargetEpsilon(targetEpsilon));
        checked(() -> PrivacyParameters.checkDelta(delta));
        checked(() -> PrivacyParameters.checkSamplingRate(samplingRate));
        if (steps < 1) {
            throw invalid("steps must be >= 1 to calibrate noise, got " + steps + " (zero steps cost nothing)");
        }
        PrivacyAccountant accountant = accountantOptions.create();
        NoiseCalibration.Calibrated calibrated =
                NoiseCalibration.noiseMultiplier(accountant, this::schedule, targetEpsilon, delta);
        // Recomputed once more for the order/error bound and notes, which the calibration does not keep.
        EpsilonResult result = accountant.epsilon(schedule(calibrated.noiseMultiplier()), delta);
        if (json) {
            ObjectNode node = Json.object();
            node.put("noise_multiplier", calibrated.noiseMultiplier());
            Json.putResult(node, result);
            node.put("target_epsilon", targetEpsilon);
            node.put("sampling_rate", samplingRate);
            node.put("steps", steps);
            Json.print(out(), node);
        } else {
            // Full precision: rounding σ down for display could give a σ whose ε exceeds the target.
            out().println("noise_multiplier: " + calibrated.noiseMultiplier());
            printResult(result);
            out().println(String.format(Locale.ROOT, "target_epsilon: %s", targetEpsilon));
        }
        return 0;
    }

    private DpEvent schedule(double sigma) {
        return new EventSpec(samplingRate, sigma, steps).toEvent();
    }
}
