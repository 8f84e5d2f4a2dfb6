package org.dpdl4j.accountant.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.event.ComposedEvent;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.FlatEvents;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;

class PrivacyLedgerProperties {

    private static final double DELTA = 1e-5;
    private static final PrivacyAccountant RDP = AccountantType.RDP.create();

    record Append(String mechanism, DpEvent event, long steps) {
    }

    @Provide
    Arbitrary<List<Append>> histories() {
        // Full-precision rates and multipliers, so that an inexact double round trip would change ε.
        Arbitrary<DpEvent> poisson = Combinators.combine(
                Arbitraries.randomValue(r -> 1e-4 + 0.1 * r.nextDouble()),
                Arbitraries.randomValue(r -> 0.6 + 3 * r.nextDouble()))
                .as(PoissonSampledEvent::gaussian);
        Arbitrary<DpEvent> fullBatch = Arbitraries.randomValue(r -> 2 + 30 * r.nextDouble()).map(GaussianEvent::of);
        // A small pool per history: a training run records the same few step events many times.
        Arbitrary<List<DpEvent>> pools = Combinators.combine(poisson, poisson, fullBatch).as(List::of);
        return pools.flatMap(pool -> Combinators.combine(
                        Arbitraries.of("dp-sgd", "dp-pca", "head-noisygd"), Arbitraries.of(pool),
                        Arbitraries.longs().between(1, 5000))
                .as(Append::new)
                .list().ofMinSize(1).ofMaxSize(8));
    }

    @Property(tries = 30)
    void ledgerReadBackGivesTheSameRecordsAndEpsilon(@ForAll("histories") List<Append> history) throws IOException {
        Path dir = Files.createTempDirectory("ledger-property");
        try {
            Path file = dir.resolve("ledger.jsonl");
            List<LedgerRecord> written = new ArrayList<>();
            List<DpEvent> costs = new ArrayList<>();
            double live;
            try (PrivacyLedger ledger = PrivacyLedger.open(file)) {
                for (Append a : history) {
                    written.add(ledger.append(a.mechanism(), a.event(), ledger.nextStep(a.mechanism()), a.steps()));
                    costs.add(new SelfComposedEvent(a.event(), a.steps()));
                }
                live = ledger.epsilon(RDP, DELTA).epsilon();
            }
            List<LedgerRecord> reread = PrivacyLedger.read(file);
            assertEquals(written, reread);
            assertEquals(live, RDP.epsilon(PrivacyLedger.compose(reread), DELTA).epsilon());
            // Same composed event, hence the same ε from any accountant.
            assertEquals(PrivacyLedger.compose(reread), PrivacyLedger.readEvent(file));
            assertEquals(FlatEvents.of(new ComposedEvent(costs)).counts(), FlatEvents.of(PrivacyLedger.readEvent(file)).counts());
            try (PrivacyLedger reopened = PrivacyLedger.open(file)) {
                assertEquals(written, reopened.records());
                assertEquals(PrivacyLedger.compose(reread), reopened.toEvent());
            }
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
