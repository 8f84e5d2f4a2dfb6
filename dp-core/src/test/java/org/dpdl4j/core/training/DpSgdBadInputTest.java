package org.dpdl4j.core.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Bad input to DP-SGD, tried systematically: each case is refused with the stated exception type, a
 * message that says what is wrong and what to change (checked by key words), and no corrupted state: the
 * network's parameters and updater state are unchanged, the ledger is byte for byte what it was (except
 * for a NaN gradient, whose step stays recorded: over-counting is the documented policy) and is not left
 * locked, and a checkpoint that was read is unchanged.
 *
 * <p>Every case starts from a run that took two steps and wrote a checkpoint, so the ledger has history.
 */
class DpSgdBadInputTest {

    private static final int N = FaultInjectionChild.N;
    private static final int IN = FaultInjectionChild.IN;

    @TempDir
    Path dir;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    /** What a case may do to the ledger. */
    enum LedgerEffect {
        /** Byte for byte unchanged. */
        UNCHANGED,
        /** One more record: the step was recorded before its gradient turned out to be unusable. */
        ONE_MORE_RECORD
    }

    /** The state a case works on. */
    static final class Fixture {
        final Path dir;
        final Path ledger;
        final Path checkpoint;
        final DataSet data = FaultInjectionChild.data();
        final MultiLayerNetwork net = FaultInjectionChild.network(new Adam(0.01));

        Fixture(Path dir) {
            this.dir = dir;
            this.ledger = dir.resolve("ledger.jsonl");
            this.checkpoint = dir.resolve("ckpt");
        }

        DpSgdConfig.Builder config() {
            return DpSgdConfig.builder().delta(1e-5).seed(9).ledger(ledger).batchSize(8).clipNorm(1).noiseMultiplier(1.0);
        }

        DpSgdTrainer makePrivate(DataSet d) {
            return DpSgdTrainer.makePrivate(net, d, config().build());
        }

        DpSgdTrainer resume() {
            return DpSgdTrainer.resume(checkpoint, data, config().build());
        }

        DataSet withFeature(int row, int col, double value) {
            INDArray x = data.getFeatures().dup();
            x.putScalar(row, col, value);
            return new DataSet(x, data.getLabels());
        }

        DataSet withLabelRow(int row, double... values) {
            INDArray y = data.getLabels().dup();
            y.putRow(row, Nd4j.createFromArray(values).reshape(1, values.length));
            return new DataSet(data.getFeatures(), y);
        }

        void editLedgerLine(int index, String from, String to, boolean rehash) throws IOException {
            List<String> lines = new ArrayList<>(Files.readAllLines(ledger, StandardCharsets.UTF_8));
            String edited = lines.get(index).replace(from, to);
            assertTrue(!edited.equals(lines.get(index)), "the edit must change the line");
            lines.set(index, rehash ? rehash(edited) : edited);
            Files.write(ledger, lines, StandardCharsets.UTF_8);
        }

        void editCheckpointState(String from, String to) throws IOException {
            Path state = checkpoint.resolve("state.json");
            String text = Files.readString(state);
            assertTrue(text.contains(from), text);
            Files.writeString(state, text.replace(from, to));
        }
    }

    @FunctionalInterface
    interface Action {
        void run(Fixture f) throws Exception;
    }

    /**
     * A case: {@code prepare} plants the bad input on disk or in the network (before the state is
     * snapshotted), {@code action} is the call that must refuse it.
     */
    record Case(Class<? extends Throwable> type, List<String> keywords, LedgerEffect ledger, Action prepare, Action action) {
    }

    private static Named<Case> bad(String name, Class<? extends Throwable> type, Action action, String... keywords) {
        return Named.of(name, new Case(type, List.of(keywords), LedgerEffect.UNCHANGED, f -> { }, action));
    }

    private static Named<Case> bad(String name, Class<? extends Throwable> type, Action prepare, Action action,
                                   String... keywords) {
        return Named.of(name, new Case(type, List.of(keywords), LedgerEffect.UNCHANGED, prepare, action));
    }

    static Stream<Named<Case>> cases() {
        Class<IllegalArgumentException> iae = IllegalArgumentException.class;
        Class<UncheckedIOException> io = UncheckedIOException.class;
        return Stream.of(
                bad("NaN in features", iae, f -> f.makePrivate(f.withFeature(7, 2, Double.NaN)),
                        "features", "NaN or infinite", "row 7", "clean or drop"),
                bad("+Inf in features", iae, f -> f.makePrivate(f.withFeature(3, 0, Double.POSITIVE_INFINITY)),
                        "features", "NaN or infinite", "row 3"),
                bad("NaN in labels", iae, f -> f.makePrivate(f.withLabelRow(5, Double.NaN, 1, 0)),
                        "labels", "NaN or infinite", "row 5"),
                bad("-Inf in labels", iae, f -> f.makePrivate(f.withLabelRow(9, 0, Double.NEGATIVE_INFINITY, 1)),
                        "labels", "NaN or infinite", "row 9"),
                Named.of("NaN gradients (a diverged parameter)", new Case(NonFiniteGradientException.class,
                        List.of("NaN or infinite", "no update was applied", "stays recorded", "lower the learning rate"),
                        LedgerEffect.ONE_MORE_RECORD, f -> f.net.getLayer(0).getParam("W").putScalar(0, 0, Double.NaN),
                        f -> {
                            try (DpSgdTrainer t = f.makePrivate(f.data)) {
                                t.step();
                            }
                        })),
                bad("features with the wrong number of columns", iae,
                        f -> f.makePrivate(new DataSet(Nd4j.randn(DataType.DOUBLE, N, IN + 1), f.data.getLabels())),
                        "features have shape [64, 6]", "nIn=5", "[N, 5]"),
                bad("features of the wrong rank", iae,
                        f -> f.makePrivate(new DataSet(f.data.getFeatures().reshape(N, IN, 1), f.data.getLabels())),
                        "features have shape [64, 5, 1]", "[N, 5]"),
                bad("labels with the wrong number of columns", iae,
                        f -> f.makePrivate(new DataSet(f.data.getFeatures(), Nd4j.zeros(DataType.DOUBLE, N, 4))),
                        "labels have shape [64, 4]", "3 units", "one-hot encode"),
                bad("label value out of range (a 2 in a one-hot row)", iae, f -> f.makePrivate(f.withLabelRow(4, 0, 2, 0)),
                        "labels row 4", "not one-hot", "sum to 1", "one-hot encode class indices 0..2"),
                bad("negative label", iae, f -> f.makePrivate(f.withLabelRow(11, -1, 1, 1)),
                        "labels row 11", "not one-hot", ">= 0"),
                bad("label row of zeros (no class)", iae, f -> f.makePrivate(f.withLabelRow(0, 0, 0, 0)),
                        "labels row 0", "not one-hot", "one 1 per row"),
                bad("features and labels of different lengths", iae, f -> f.makePrivate(new DataSet(f.data.getFeatures(),
                        f.data.getLabels().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, N - 4),
                                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup())),
                        "64 rows", "labels have 60", "one row of each"),
                bad("empty dataset", iae, f -> f.makePrivate(new DataSet(Nd4j.create(DataType.DOUBLE, 0, IN),
                        Nd4j.create(DataType.DOUBLE, 0, 3))), "empty", "at least one record"),
                bad("masked data", iae, f -> f.makePrivate(new DataSet(f.data.getFeatures(), f.data.getLabels(),
                        Nd4j.ones(DataType.DOUBLE, N, 1), null)), "masked", "remove the masks"),
                bad("Poisson batch larger than the dataset", iae,
                        f -> DpSgdTrainer.makePrivate(f.net, f.data, f.config().batchSize(N + 1).build()),
                        "expected batch size 65", "exceeds the dataset size 64", "smaller batch"),
                bad("shuffled batch larger than the dataset", iae, f -> DpSgdTrainer.makePrivate(f.net, f.data,
                        f.config().sampling(SamplingMode.FIXED_SIZE).batchSize(N + 1).build()),
                        "batch size 65 exceeds the dataset size 64", "at most 64"),
                bad("q*N < 1", iae, f -> f.config().batchSize(0.5), "q*N", "got 0.5", "at least 1"),
                bad("sigma = 0 in secure mode", iae, f -> DpSgdConfig.builder().delta(1e-5).batchSize(8).clipNorm(1)
                        .noiseMultiplier(0), "noise multiplier", "> 0", "positive sigma"),
                bad("ledger from a newer version (fresh start)", io, f -> f.editLedgerLine(1, "\"format_version\":1", "\"format_version\":2", false),
                        f -> f.makePrivate(f.data), "line 2", "format_version 2", "newer dpdl4j"),
                bad("ledger from a newer version (resume)", io, f -> f.editLedgerLine(0, "\"format_version\":1", "\"format_version\":7", false),
                        Fixture::resume, "line 1", "format_version 7", "newer dpdl4j"),
                bad("hand-edited ledger (sigma raised)", io, f -> f.editLedgerLine(0, "\"noise_multiplier\":1.0", "\"noise_multiplier\":4.0", false),
                        f -> f.makePrivate(f.data), "line 1", "modified after it was written", "restore the file from a backup"),
                bad("hand-edited ledger with its hash recomputed", io, f -> f.editLedgerLine(0, "\"noise_multiplier\":1.0", "\"noise_multiplier\":4.0", true),
                        Fixture::resume, "line 2", "hash chain is broken", "restore it from a backup"),
                bad("hand-edited ledger: a record deleted", io, f -> {
                    List<String> lines = Files.readAllLines(f.ledger);
                    Files.write(f.ledger, lines.subList(1, lines.size()));
                }, f -> f.makePrivate(f.data), "line 1", "sequence number 2 where 1 was expected"),
                bad("checkpoint state truncated", iae, f -> Files.writeString(f.checkpoint.resolve("state.json"), "{ \"format_version\": 1, \"steps"),
                        Fixture::resume, "checkpoint state", "missing or damaged", "earlier checkpoint"),
                bad("checkpoint model damaged", iae, f -> {
                    byte[] zip = Files.readAllBytes(f.checkpoint.resolve("model.zip"));
                    Files.write(f.checkpoint.resolve("model.zip"), Arrays.copyOf(zip, zip.length / 3));
                }, Fixture::resume, "checkpoint model", "missing or damaged", "earlier checkpoint"),
                bad("checkpoint missing", iae, f -> DpSgdTrainer.resume(f.dir.resolve("no-such-ckpt"), f.data, f.config().build()),
                        "no-such-ckpt", "missing or damaged"),
                bad("checkpoint with sigma = 0", iae, f -> f.editCheckpointState("\"noise_multiplier\" : 1.0", "\"noise_multiplier\" : 0.0"),
                        Fixture::resume, "noise multiplier 0.0", "damaged"),
                bad("checkpoint from a newer version", iae, f -> f.editCheckpointState("\"format_version\" : 1", "\"format_version\" : 2"),
                        Fixture::resume, "format version 2", "dpdl4j version that wrote it"),
                bad("resume with another batch size", iae, f -> DpSgdTrainer.resume(f.checkpoint, f.data,
                        f.config().batchSize(16).build()), "poisson sampler", "resume with the sampler the run was started with"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badInputIsRefusedClearlyAndCorruptsNothing(Case c) throws Exception {
        Fixture f = new Fixture(dir);
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(FaultInjectionChild.network(new Adam(0.01)), f.data, f.config().build())) {
            t.step();
            t.step();
            t.checkpoint(f.checkpoint);
        }
        c.prepare().run(f);
        double[] params = f.net.params().toDoubleVector();
        double[] updater = f.net.getUpdater().getStateViewArray().toDoubleVector();
        byte[] ledger = Files.readAllBytes(f.ledger);
        byte[] state = Files.readAllBytes(f.checkpoint.resolve("state.json"));
        byte[] model = Files.readAllBytes(f.checkpoint.resolve("model.zip"));

        Throwable e = assertThrows(Throwable.class, () -> c.action().run(f));
        assertInstanceOf(c.type(), e, () -> "wrong exception type: " + e);
        String message = e.getMessage();
        for (String k : c.keywords()) {
            assertTrue(message.contains(k), () -> "'" + k + "' missing from: " + message);
        }

        // Arrays.equals compares bit patterns, so an unchanged NaN counts as unchanged.
        assertArrayEquals(params, f.net.params().toDoubleVector(), "parameters changed");
        assertArrayEquals(updater, f.net.getUpdater().getStateViewArray().toDoubleVector(), "updater state changed");
        assertArrayEquals(state, Files.readAllBytes(f.checkpoint.resolve("state.json")), "checkpoint state changed");
        assertArrayEquals(model, Files.readAllBytes(f.checkpoint.resolve("model.zip")), "checkpoint model changed");
        byte[] ledgerAfter = Files.readAllBytes(f.ledger);
        if (c.ledger() == LedgerEffect.UNCHANGED) {
            assertArrayEquals(ledger, ledgerAfter, "the ledger changed");
        } else {
            assertArrayEquals(ledger, Arrays.copyOf(ledgerAfter, ledger.length), "earlier records changed");
            assertEquals(PrivacyLedger.read(f.ledger).size(), new String(ledger, StandardCharsets.UTF_8).lines().count() + 1,
                    "exactly one more record");
        }
        boolean ledgerValid;
        try {
            PrivacyLedger.read(f.ledger);
            ledgerValid = true;
        } catch (IOException damaged) {
            ledgerValid = false;
        }
        if (ledgerValid) {
            // Not left locked by the refused call: a corrected run can open it.
            PrivacyLedger.open(f.ledger).close();
        }
    }

    /**
     * After a NaN-gradient failure the recorded step's index counts as taken: once the cause is fixed the
     * next step gets the next index, so no index is recorded twice.
     */
    @org.junit.jupiter.api.Test
    void aFailedButRecordedStepKeepsItsIndex() throws Exception {
        Fixture f = new Fixture(dir);
        try (DpSgdTrainer t = f.makePrivate(f.data)) {
            assertTrue(t.step());
            double w = f.net.getLayer(0).getParam("W").getDouble(0, 0);
            f.net.getLayer(0).getParam("W").putScalar(0, 0, Double.NaN);
            NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class, t::step);
            assertEquals(1, e.step());
            assertEquals(2, t.steps(), "the recorded index 1 is spent");
            f.net.getLayer(0).getParam("W").putScalar(0, 0, w);
            assertTrue(t.step());
        }
        assertEquals(List.of(0L, 1L, 2L), PrivacyLedger.read(f.ledger).stream().map(r -> r.firstStep()).toList());
    }

    /** The same edit with the line's own hash recomputed, so that only the chain can catch it. */
    static String rehash(String line) {
        int at = line.lastIndexOf(",\"hash\":\"");
        String body = line.substring(0, at) + "}";
        try {
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(body.getBytes(StandardCharsets.UTF_8)));
            return line.substring(0, at) + ",\"hash\":\"" + hash + "\"}";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
