package org.dpdl4j.core.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.dpdl4j.core.training.DpSgdConfig;
import org.dpdl4j.core.training.SamplingMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** The one-run Dirac audit's own behaviour; the mutation tests are in training.MutationAuditTest. */
class DiracCanaryAuditTest {

    @TempDir
    Path dir;

    /**
     * Full-batch NoisyGD, σ = 4, 16 steps: every canary is a Gaussian mechanism with μ = 4/4 = 1 (claim ≈ 4.4
     * by exact accounting). With 400 canaries the audit finds a positive bound below the claim, and it
     * estimates the released noise at σ.
     */
    @Test
    void fullBatchAuditMeasuresTheNoiseAndStaysBelowTheClaim() throws Exception {
        DpSgdConfig config = DpSgdConfig.builder().sampling(SamplingMode.FULL_BATCH).clipNorm(1.0).noiseMultiplier(4.0)
                .epochs(16).delta(1e-5).seed(3).ledger(dir.resolve("ledger.jsonl")).build();
        AuditResult r = DiracCanaryAudit.run(AuditFixtures.realData(100, 2), config,
                CanaryAuditConfig.builder().canaries(400).guesses(20, 20).seed(4).build());
        System.out.println(r + " " + r.notes());
        assertEquals(400, r.canaries());
        assertEquals(40, r.guesses());
        assertTrue(r.claimedEpsilon() > 4 && r.claimedEpsilon() < 5, r.toString());
        assertTrue(r.epsilonLowerBound() > 0.3, r.toString());
        assertFalse(r.exceedsClaim(), r.toString());
        String sigmaNote = r.notes().get(0);
        double sigmaHat = Double.parseDouble(sigmaNote.replaceAll(".*release: ([0-9.]+) x C.*", "$1"));
        assertEquals(4.0, sigmaHat, 0.2, sigmaNote);
        JsonNode json = new ObjectMapper().readTree(r.toJson());
        assertEquals(r.claimedEpsilon(), json.get("claimed_epsilon").asDouble(), 0);
        assertEquals(r.epsilonLowerBound(), json.get("epsilon_lower_bound").asDouble(), 0);
        assertEquals(400, json.get("canaries").asInt());
        assertEquals(40, json.get("guesses").asInt());
        assertEquals(r.correct(), json.get("correct").asInt());
        assertFalse(json.get("exceeds_claim").asBoolean());
    }

    @Test
    void unsupportedSettingsAreRefusedWithAReason() {
        DataSet data = AuditFixtures.realData(50, 1);
        CanaryAuditConfig audit = CanaryAuditConfig.builder().canaries(10).seed(1).build();
        DpSgdConfig fixed = DpSgdConfig.builder().sampling(SamplingMode.FIXED_SIZE).batchSize(5).clipNorm(1.0)
                .noiseMultiplier(1.0).delta(1e-5).seed(1).ledger(dir.resolve("a.jsonl")).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DiracCanaryAudit.run(data, fixed, audit));
        assertTrue(e.getMessage().contains("replace-one"), e.getMessage());
        DpSgdConfig ok = AuditFixtures.poissonConfig(dir.resolve("b.jsonl"), 1);
        DataSet threeClasses = new DataSet(data.getFeatures(), Nd4j.zeros(DataType.DOUBLE, 50, 3));
        e = assertThrows(IllegalArgumentException.class, () -> DiracCanaryAudit.run(threeClasses, ok, audit));
        assertTrue(e.getMessage().contains("two-class"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DiracCanaryAudit.run(data, ok,
                CanaryAuditConfig.builder().canaries(10).canaryScale(2).build()));
        assertTrue(e.getMessage().contains("too small"), e.getMessage());
    }

    @Test
    void configurationIsValidated() {
        assertThrows(IllegalArgumentException.class, () -> CanaryAuditConfig.builder().canaries(0));
        assertThrows(IllegalArgumentException.class, () -> CanaryAuditConfig.builder().build());
        assertThrows(IllegalArgumentException.class, () -> CanaryAuditConfig.builder().guesses(0, 0));
        assertThrows(IllegalArgumentException.class, () -> CanaryAuditConfig.builder().canaries(5).guesses(4, 2).build());
        assertThrows(IllegalArgumentException.class, () -> CanaryAuditConfig.builder().significance(0.7));
        assertThrows(IllegalArgumentException.class, () -> CanaryAuditConfig.builder().canaryScale(Double.NaN));
        CanaryAuditConfig c = CanaryAuditConfig.builder().canaries(3000).build();
        assertEquals(100, c.guessIncluded());
        assertEquals(0, c.guessExcluded());
        assertEquals(0.05, c.significance(), 0);
        assertEquals(null, c.seed());
        // the default number of guesses follows m, also when a builder is reused
        CanaryAuditConfig.Builder b = CanaryAuditConfig.builder().canaries(3000);
        assertEquals(100, b.build().guessIncluded());
        assertEquals(1, b.canaries(30).build().guessIncluded());
    }

    @Test
    void canaryDrawIsAFairCoinPerCanary() {
        CanaryDraw d = CanaryDraw.draw(20000, 3, 5L);
        assertEquals(10000, d.includedCount(), 4 * Math.sqrt(5000));
        int[] perLabel = new int[3];
        Arrays.stream(d.labels()).forEach(l -> perLabel[l]++);
        for (int c : perLabel) {
            assertEquals(20000 / 3.0, c, 4 * Math.sqrt(20000 * 2 / 9.0));
        }
        assertEquals(Arrays.toString(d.included()), Arrays.toString(CanaryDraw.draw(20000, 3, 5L).included()));
    }

    @Test
    void scoresEstimateTheNoiseAndRankTheLikelihoodRatio() {
        SplittableRandom rnd = new SplittableRandom(1);
        double[][] x = new double[200][50];
        for (double[] row : x) {
            for (int t = 0; t < row.length; t++) {
                row[t] = 2.5 * gaussian(rnd);
            }
        }
        assertEquals(2.5, CanaryScores.robustNoiseStd(x), 0.1);
        // full batch: the likelihood ratio is linear in the sum
        assertEquals((3 - 0.5 * 2) / 4.0, CanaryScores.subsampledGaussianLogLikelihoodRatio(new double[] {1, 2}, 1, 2), 1e-12);
        // subsampled: one large spike beats many moderate values
        double spike = CanaryScores.subsampledGaussianLogLikelihoodRatio(new double[] {0, 0, 0, 4}, 0.02, 1);
        double flat = CanaryScores.subsampledGaussianLogLikelihoodRatio(new double[] {1, 1, 1, 1}, 0.02, 1);
        assertTrue(spike > flat, spike + " > " + flat);
        assertThrows(IllegalArgumentException.class, () -> CanaryScores.robustNoiseStd(new double[][] {{0, 0}}));
        assertThrows(IllegalArgumentException.class,
                () -> CanaryScores.subsampledGaussianLogLikelihoodRatio(new double[] {1}, 0, 1));
    }

    private static double gaussian(SplittableRandom rnd) {
        return Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }
}
