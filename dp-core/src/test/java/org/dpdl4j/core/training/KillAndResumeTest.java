package org.dpdl4j.core.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import org.dpdl4j.accountant.ledger.CorruptLedgerException;
import org.dpdl4j.accountant.ledger.LedgerRecord;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.accountant.rdp.RdpAccountant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 during DP-SGD, then resume from the last checkpoint, with a real child JVM
 * ({@link FaultInjectionChild}) killed by SIGKILL at random points: inside a step, during the ledger's
 * fsync, while a checkpoint is written. After three kills and a final run that ends normally:
 * <ul>
 *   <li>the ledger parses (an incomplete last line, which an interrupted append may leave, is the only
 *   damage allowed, and resume removes it as documented);</li>
 *   <li>every step the child applied is in the ledger, the recorded step indices are exactly 0..M-1
 *   (no gap, no duplicate), and each resumed run continues after the last recorded step;</li>
 *   <li>ε from the ledger after resume ≥ ε of the steps actually applied;</li>
 *   <li>no noise is replayed: the update of every applied step (dominated by its noise: σ = 100, C = 0.01)
 *   is nearly orthogonal to every other, where a replayed seeded stream would repeat one (cosine ≈ 1).</li>
 * </ul>
 * The random kill points come from a seed printed in every failure message.
 */
class KillAndResumeTest {

    private static final int KILLS = 3;
    private static final int CHECKPOINT_EVERY = 4;
    private static final long ROUND_TIMEOUT_MS = 90_000;
    /** |cos| between independent 147-dimensional noise vectors has sd 0.08; a replayed one gives ≥ 0.93. */
    private static final double REPLAY_COSINE = 0.8;

    @TempDir
    Path dir;

    /** One child run as seen in the progress file. */
    private record Run(long start, List<Long> indices, List<double[]> deltas, Double endEpsilon) {
    }

    @Test
    void killedTrainingResumesWithoutLosingOrReplayingSteps() throws Exception {
        assumeTrue(ChildJvm.onLinux(), "the child is killed with SIGKILL, tested on Linux");
        long seed = System.nanoTime();
        Random random = new Random(seed);
        String context = "(kill-point seed " + seed + ", files in " + dir + ")";
        Path progress = dir.resolve("progress.txt");
        Path ledgerFile = dir.resolve("ledger.jsonl");
        List<Long> recordedAtKill = new ArrayList<>();
        int tornLines = 0;

        for (int round = 0; round <= KILLS; round++) {
            boolean last = round == KILLS;
            Path log = dir.resolve("child-" + round + ".log");
            long until = last ? recordedAtKill.get(recordedAtKill.size() - 1) + 6 : Long.MAX_VALUE;
            Process child = ChildJvm.start(log, 0, round == 0 ? "fresh" : "resume", dir.toString(), Long.toString(until),
                    Integer.toString(CHECKPOINT_EVERY));
            try {
                if (last) {
                    assertTrue(child.waitFor(ROUND_TIMEOUT_MS, TimeUnit.MILLISECONDS), "final run did not finish " + context);
                    assertEquals(0, child.exitValue(), "final run failed " + context + ":\n" + ChildJvm.tail(log));
                    break;
                }
                // The first run must get past its first checkpoint; later runs resume from one anyway.
                int minSteps = (round == 0 ? CHECKPOINT_EVERY + 1 : 1) + random.nextInt(8);
                awaitSteps(child, progress, round + 1, minSteps, log, context);
                Thread.sleep(random.nextInt(40));
                child.destroyForcibly();
                assertTrue(child.waitFor(30, TimeUnit.SECONDS), "killed child did not exit " + context);
                assertEquals(137, child.exitValue(), "the child must die by SIGKILL " + context + ":\n" + ChildJvm.tail(log));
            } finally {
                child.destroyForcibly();
            }
            int recorded;
            try {
                recorded = PrivacyLedger.read(ledgerFile).size();
            } catch (CorruptLedgerException e) {
                // The one damage a kill may leave: an append cut short before it returned, so its step never ran.
                assertTrue(e.problem().contains("incomplete"), "a kill may only leave an incomplete last line " + context
                        + ": " + e.getMessage());
                tornLines++;
                recorded = (int) e.lineNumber() - 1;
            }
            recordedAtKill.add((long) recorded);
        }

        List<Run> runs = parse(progress);
        assertEquals(KILLS + 1, runs.size(), "one run per child " + context);
        List<LedgerRecord> records = PrivacyLedger.read(ledgerFile);
        for (int i = 0; i < records.size(); i++) {
            LedgerRecord r = records.get(i);
            assertEquals("dp-sgd", r.mechanism());
            assertEquals(1, r.steps());
            assertEquals(i, r.firstStep(), "recorded step indices must be 0..M-1 without gaps or duplicates " + context);
        }
        assertEquals(0, runs.get(0).start());
        for (int k = 1; k < runs.size(); k++) {
            assertEquals(recordedAtKill.get(k - 1), runs.get(k).start(),
                    "a resumed run continues after every recorded step, not from its checkpoint " + context);
        }

        Set<Long> applied = new HashSet<>();
        List<double[]> deltas = new ArrayList<>();
        for (Run run : runs) {
            for (int i = 0; i < run.indices().size(); i++) {
                long index = run.indices().get(i);
                assertTrue(applied.add(index), "step " + index + " was applied twice " + context);
                assertTrue(index < records.size(), "applied step " + index + " is not in the ledger of "
                        + records.size() + " records " + context);
                deltas.add(run.deltas().get(i));
            }
        }
        assertTrue(records.size() >= applied.size(), "the ledger records fewer steps than were applied " + context);
        assertTrue(applied.size() >= KILLS + 6, "too few steps applied to test anything " + context);

        RdpAccountant rdp = RdpAccountant.withDefaultOrders();
        double epsApplied = rdp.epsilon(new SelfComposedEvent(PoissonSampledEvent.gaussian(
                FaultInjectionChild.BATCH / FaultInjectionChild.N, FaultInjectionChild.SIGMA), applied.size()),
                FaultInjectionChild.DELTA).epsilon();
        double epsLedger = rdp.epsilon(PrivacyLedger.readEvent(ledgerFile), FaultInjectionChild.DELTA).epsilon();
        Double epsReported = runs.get(runs.size() - 1).endEpsilon();
        assertNotNull(epsReported, "the final run reports epsilon " + context);
        assertTrue(epsLedger >= epsApplied, "ledger epsilon " + epsLedger + " < epsilon of the applied steps " + epsApplied
                + " " + context);
        assertTrue(epsReported >= epsApplied, "epsilon after resume " + epsReported + " < epsilon of the applied steps "
                + epsApplied + " " + context);

        for (int a = 0; a < deltas.size(); a++) {
            for (int b = a + 1; b < deltas.size(); b++) {
                double cos = cosine(deltas.get(a), deltas.get(b));
                assertTrue(Math.abs(cos) < REPLAY_COSINE, "updates " + a + " and " + b + " (in application order) have "
                        + "cosine " + cos + ": a noise stream was replayed " + context);
            }
        }
        System.out.printf("KillAndResumeTest: %d kills, %d steps applied, %d recorded, %d torn ledger lines, "
                + "eps ledger %.3e >= applied %.3e %s%n", KILLS, applied.size(), records.size(), tornLines, epsLedger,
                epsApplied, context);
    }

    /** Waits until run number {@code run} (1-based) has applied at least {@code steps} steps. */
    private static void awaitSteps(Process child, Path progress, int run, int steps, Path log, String context)
            throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + ROUND_TIMEOUT_MS;
        while (true) {
            if (!child.isAlive()) {
                fail("the child exited with " + child.exitValue() + " before it could be killed " + context + ":\n"
                        + ChildJvm.tail(log));
            }
            if (Files.exists(progress)) {
                List<Run> runs = parse(progress);
                if (runs.size() == run && runs.get(run - 1).indices().size() >= steps) {
                    return;
                }
            }
            if (System.currentTimeMillis() > deadline) {
                fail("run " + run + " did not reach " + steps + " steps in time " + context + ":\n" + ChildJvm.tail(log));
            }
            Thread.sleep(15);
        }
    }

    /** Complete lines only: the child may be killed in the middle of writing one. */
    private static List<Run> parse(Path progress) throws IOException {
        String text = Files.readString(progress, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        List<Run> runs = new ArrayList<>();
        if (end < 0) {
            return runs;
        }
        for (String line : text.substring(0, end).split("\n")) {
            String[] parts = line.split(" ");
            switch (parts[0]) {
                case "start" -> runs.add(new Run(Long.parseLong(parts[1]), new ArrayList<>(), new ArrayList<>(), null));
                case "step" -> {
                    Run run = runs.get(runs.size() - 1);
                    run.indices().add(Long.parseLong(parts[1]));
                    String[] values = parts[2].split(",");
                    double[] delta = new double[values.length];
                    for (int i = 0; i < values.length; i++) {
                        delta[i] = Double.parseDouble(values[i]);
                    }
                    run.deltas().add(delta);
                }
                case "end" -> {
                    Run run = runs.remove(runs.size() - 1);
                    runs.add(new Run(run.start(), run.indices(), run.deltas(), Double.parseDouble(parts[1])));
                }
                default -> throw new IllegalStateException("unexpected progress line: " + line);
            }
        }
        return runs;
    }

    private static double cosine(double[] a, double[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
