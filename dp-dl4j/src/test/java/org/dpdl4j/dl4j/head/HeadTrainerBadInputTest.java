package org.dpdl4j.dl4j.head;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.dl4j.features.FeatureSource;
import org.dpdl4j.dl4j.features.Inputs;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bad input to the private head trainer, tried systematically, and ledger faults during its run. Each
 * refusal has the stated type and a message naming what to change; the ledger (which already holds
 * earlier spending) is byte for byte unchanged and the initial head is untouched. Sources that skip
 * {@link FeatureSource#inMemory}'s checks are used on purpose: the trainer must check on its own.
 */
class HeadTrainerBadInputTest {

    private static final int N = 40;
    private static final int D = 4;
    private static final int K = 3;

    @TempDir
    Path dir;

    /** A source without the checks of {@link FeatureSource#inMemory}, as a custom implementation might be. */
    static FeatureSource unchecked(INDArray x, INDArray y) {
        return new FeatureSource() {
            @Override
            public long size() {
                return x.size(0);
            }

            @Override
            public int dimension() {
                return (int) x.size(1);
            }

            @Override
            public int classes() {
                return K;
            }

            @Override
            public int chunks() {
                return 1;
            }

            @Override
            public Chunk chunk(int i) {
                return new Chunk(x, y);
            }
        };
    }

    static INDArray features() {
        Nd4j.getRandom().setSeed(3);
        return Nd4j.randn(DataType.DOUBLE, N, D);
    }

    static INDArray labels() {
        int[] y = new int[N];
        for (int i = 0; i < N; i++) {
            y[i] = i % K;
        }
        return Inputs.oneHot(y, K, DataType.DOUBLE);
    }

    static INDArray featuresWith(int row, int col, double v) {
        INDArray x = features();
        x.putScalar(row, col, v);
        return x;
    }

    static INDArray labelsWithRow(int row, double... values) {
        INDArray y = labels();
        y.putRow(row, Nd4j.createFromArray(values).reshape(1, values.length));
        return y;
    }

    static HeadConfig.Builder config(HeadMode mode) {
        HeadConfig.Builder b = HeadConfig.builder().mode(mode).clipNorm(1).steps(5).learningRate(0.5).delta(1e-5).seed(2)
                .noiseMultiplier(1).initialHead(PrivateLinearHead.of(Nd4j.ones(DataType.DOUBLE, D, K), Nd4j.zeros(DataType.DOUBLE, K)));
        return mode == HeadMode.POISSON ? b.expectedBatchSize(8) : b;
    }

    @FunctionalInterface
    interface Action {
        void run(PrivacyLedger ledger) throws Exception;
    }

    record Case(Class<? extends Throwable> type, List<String> keywords, Action action) {
    }

    private static Named<Case> bad(String name, Class<? extends Throwable> type, Action action, String... keywords) {
        return Named.of(name, new Case(type, List.of(keywords), action));
    }

    private static Action train(HeadMode mode, FeatureSource source) {
        return ledger -> HeadTrainer.train(source, config(mode).build(), ledger);
    }

    static Stream<Named<Case>> cases() {
        Class<IllegalArgumentException> iae = IllegalArgumentException.class;
        Stream.Builder<Named<Case>> all = Stream.builder();
        for (HeadMode mode : HeadMode.values()) {
            String m = " (" + mode.name().toLowerCase(Locale.ROOT) + ")";
            all.add(bad("NaN in features" + m, iae, train(mode, unchecked(featuresWith(6, 1, Double.NaN), labels())),
                    "NaN or infinite", "row 6", "fix or drop"));
            all.add(bad("-Inf in features" + m, iae, train(mode, unchecked(featuresWith(2, 3, Double.NEGATIVE_INFINITY), labels())),
                    "NaN or infinite", "row 2"));
            all.add(bad("NaN in labels" + m, iae, train(mode, unchecked(features(), labelsWithRow(8, Double.NaN, 1, 0))),
                    "one-hot", "row 8"));
            all.add(bad("label value out of range (a 2)" + m, iae, train(mode, unchecked(features(), labelsWithRow(5, 0, 2, 0))),
                    "one-hot", "one 1 per row", "row 5"));
            all.add(bad("soft labels" + m, iae, train(mode, unchecked(features(), labelsWithRow(1, 0.5, 0.5, 0))),
                    "one-hot", "entries 0 or 1", "row 1"));
            all.add(bad("labels with the wrong number of classes" + m, iae,
                    train(mode, unchecked(features(), Nd4j.zeros(DataType.DOUBLE, N, K + 1))), "one-hot [40, 3]", "[40, 4]"));
            all.add(bad("features wider than the initial head" + m, iae,
                    train(mode, FeatureSource.inMemory(Nd4j.randn(DataType.DOUBLE, N, D + 2), labels())),
                    "d=6", "initial head with 6 inputs"));
            all.add(bad("empty dataset" + m, iae, train(mode, FeatureSource.inMemory(Nd4j.create(DataType.DOUBLE, 0, D),
                    Nd4j.create(DataType.DOUBLE, 0, K))), "no rows", "at least one"));
        }
        all.add(bad("class index out of range", iae, ledger -> Inputs.oneHot(new int[] {0, 1, 3}, K, DataType.DOUBLE),
                "label 3 at row 2", "outside [0, 3)", "class indices 0..2"));
        all.add(bad("Poisson batch larger than the dataset", iae, ledger -> HeadTrainer.train(
                FeatureSource.inMemory(features(), labels()), config(HeadMode.POISSON).expectedBatchSize(N + 1).build(), ledger),
                "expected batch size 41", "exceeds the 40 rows", "FULL_BATCH"));
        all.add(bad("q*n < 1", iae, ledger -> config(HeadMode.POISSON).expectedBatchSize(0.5).build(),
                "expectedBatchSize >= 1", "got 0.5", "q*n < 1"));
        all.add(bad("sigma = 0 in secure mode", iae, ledger -> HeadConfig.builder().clipNorm(1).steps(5).learningRate(0.5)
                .delta(1e-5).noiseMultiplier(0).build(), "noise multiplier", "> 0", "positive sigma"));
        all.add(bad("ledger already spent the target", IllegalStateException.class, ledger -> HeadTrainer.train(
                FeatureSource.inMemory(features(), labels()), config(HeadMode.FULL_BATCH).noiseMultiplier(Double.NaN)
                        .targetEpsilon(0.01).build(), ledger), "already spends epsilon", "nothing is left"));
        return all.build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badInputIsRefusedClearlyAndCorruptsNothing(Case c) throws Exception {
        Path file = dir.resolve("ledger.jsonl");
        try (PrivacyLedger ledger = PrivacyLedger.open(file)) {
            // Earlier spending on the same data (e.g. a DP standardisation), so the ledger has history to protect.
            ledger.append("dp-standardize", GaussianEvent.of(3.0), 0, 1);
            byte[] before = Files.readAllBytes(file);
            Throwable e = assertThrows(Throwable.class, () -> c.action().run(ledger));
            assertInstanceOf(c.type(), e, () -> "wrong exception type: " + e);
            for (String k : c.keywords()) {
                assertTrue(e.getMessage().contains(k), () -> "'" + k + "' missing from: " + e.getMessage());
            }
            assertArrayEquals(before, Files.readAllBytes(file), "the ledger changed");
            assertEquals(1, ledger.size(), "no head step is recorded");
        }
        assertEquals(1, PrivacyLedger.read(file).size());
    }

    @Test
    void fullDiskStopsTheHeadBeforeItsFirstStep() throws Exception {
        Path devFull = Path.of("/dev/full");
        assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux") && Files.exists(devFull),
                "/dev/full");
        Path file = Files.createSymbolicLink(dir.resolve("ledger.jsonl"), devFull);
        PrivateLinearHead init = config(HeadMode.FULL_BATCH).build().initialHead();
        INDArray weights = init.weights();
        try (PrivacyLedger ledger = PrivacyLedger.open(file)) {
            var e = assertThrows(UncheckedIOException.class, () -> HeadTrainer.train(FeatureSource.inMemory(features(), labels()),
                    config(HeadMode.FULL_BATCH).build(), ledger));
            assertTrue(e.getMessage().contains("could not record step 0") && e.getMessage().contains("before that step released")
                    && e.getCause().getMessage().contains("No space left on device"), e + " / " + e.getCause());
            assertEquals(0, ledger.size());
        } finally {
            Files.delete(file);
        }
        assertTrue(weights.equalsWithEps(init.weights(), 0), "the initial head is untouched");
    }

    /** The ledger's directory disappears mid-run (removed from the progress callback): the next step is refused. */
    @ParameterizedTest
    @MethodSource("modes")
    void ledgerRemovedMidRunStopsTheHeadBeforeTheNextStep(HeadMode mode) throws Exception {
        Path runDir = Files.createDirectories(dir.resolve("run"));
        AtomicInteger stepsSeen = new AtomicInteger();
        HeadConfig config = config(mode).steps(20).build();
        try (PrivacyLedger ledger = PrivacyLedger.open(runDir.resolve("ledger.jsonl"))) {
            var e = assertThrows(UncheckedIOException.class, () -> HeadTrainer.train(FeatureSource.inMemory(features(), labels()),
                    config, ledger, line -> {
                        if (line.startsWith("head: step ") && stepsSeen.getAndIncrement() == 1) {
                            deleteRecursively(runDir);
                        }
                    }));
            assertTrue(e.getMessage().contains("could not record step 4") && e.getCause().getMessage().contains("deleted or moved"),
                    e + " / " + e.getCause());
            assertEquals(4, ledger.size(), "steps 0-3 ran and were recorded; step 4 neither");
        }
    }

    static Stream<HeadMode> modes() {
        return Stream.of(HeadMode.values());
    }

    private static void deleteRecursively(Path p) {
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
