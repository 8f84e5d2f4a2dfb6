package org.dpdl4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.dpdl4j.examples.data.FashionMnist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without the data, the main job says in one line how to install it and exits with status 1. */
class MissingDataTest {

    @TempDir
    Path empty;

    @Test
    void privateHeadWithoutFashionMnistExplainsTheInstallAndFails() {
        String old = System.getProperty(FashionMnist.DIR_VARIABLE);
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setProperty(FashionMnist.DIR_VARIABLE, empty.toString());
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = Examples.run("private-head", "--out", empty.resolve("out").toString());
        } finally {
            System.setErr(err);
            if (old == null) {
                System.clearProperty(FashionMnist.DIR_VARIABLE);
            } else {
                System.setProperty(FashionMnist.DIR_VARIABLE, old);
            }
        }
        String text = captured.toString(StandardCharsets.UTF_8).strip();
        assertEquals(1, status);
        assertEquals(1, text.lines().count(), text);
        assertTrue(text.startsWith("example: error: Fashion-MNIST not found in " + empty), text);
        assertTrue(text.contains("apt-get install dataset-fashion-mnist"), text);
    }
}
