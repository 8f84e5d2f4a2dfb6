package org.dpdl4j.core.audit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiracCanaryAuditTest {

    @TempDir
    Path dir;

    @Test
    void correctPipelineStaysBelowItsClaim() {
        long t0 = System.nanoTime();
        AuditResult r = DiracCanaryAudit.run(AuditFixtures.realData(AuditFixtures.REAL_ROWS, 1),
                AuditFixtures.poissonConfig(dir.resolve("ledger.jsonl"), 21), AuditFixtures.oneRun(31));
        System.out.println(r + " " + r.notes() + " in " + (System.nanoTime() - t0) / 1e9 + " s");
        assertTrue(r.epsilonLowerBound() <= r.claimedEpsilon(), r.toString());
    }
}
