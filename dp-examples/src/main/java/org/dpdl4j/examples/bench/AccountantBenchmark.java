package org.dpdl4j.examples.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.Callable;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Times ε for T identical Poisson-subsampled Gaussian steps with each accountant. Every timed call uses
 * a slightly different σ, so no result can be served from a cache: each run does the whole computation.
 */
@Command(name = "accountant", description = "Time epsilon computation for T Poisson steps (rdp and pld).")
public final class AccountantBenchmark implements Callable<Integer> {

    @Option(names = "--steps", description = "Number of composed steps (default: ${DEFAULT-VALUE}).")
    long steps = 10_000;

    @Option(names = "--sampling-rate", description = "Poisson rate q (default: ${DEFAULT-VALUE}).")
    double q = 256.0 / 60000;

    @Option(names = "--noise-multiplier", description = "sigma (default: ${DEFAULT-VALUE}).")
    double sigma = 1.1;

    @Option(names = "--runs", description = "Timed runs per accountant (default: ${DEFAULT-VALUE}).")
    int runs = 30;

    @Option(names = "--accountants", split = ",", description = "Accountants to time (default: rdp,pld).")
    String[] accountants = {"rdp", "pld"};

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode out = mapper.createObjectNode();
        out.put("benchmark", "accountant");
        out.put("steps", steps);
        out.put("sampling_rate", q);
        out.put("noise_multiplier", sigma);
        out.put("delta", 1e-5);
        out.put("java", System.getProperty("java.version"));
        out.put("cpus", Runtime.getRuntime().availableProcessors());
        for (String name : accountants) {
            PrivacyAccountant acc = AccountantType.parse(name).create();
            double[] jitter = {0};
            Runnable call = () -> {
                jitter[0] += 1e-9;
                acc.epsilon(new SelfComposedEvent(PoissonSampledEvent.gaussian(q, sigma + jitter[0]), steps), 1e-5);
            };
            Timing.Result r = Timing.measure(Math.max(5, runs / 3), runs, call);
            double eps = acc.epsilon(new SelfComposedEvent(PoissonSampledEvent.gaussian(q, sigma), steps), 1e-5).epsilon();
            ObjectNode n = out.putObject(name);
            n.put("epsilon", eps);
            n.put("median_ms", r.medianMs());
            n.put("p90_ms", r.p90Ms());
            n.put("min_ms", r.minMs());
            n.put("runs", r.runs());
            if (!json) {
                System.out.printf("%-8s T=%d  eps=%.6f  median %.3f ms  p90 %.3f ms  (%d runs)%n", name, steps, eps,
                        r.medianMs(), r.p90Ms(), r.runs());
            }
        }
        if (json) {
            System.out.println(mapper.writeValueAsString(out));
        }
        return 0;
    }
}
