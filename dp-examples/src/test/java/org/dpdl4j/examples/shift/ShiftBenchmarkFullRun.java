package org.dpdl4j.examples.shift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.dpdl4j.examples.data.FashionMnist;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The full shift-benchmark table, run only by the Maven profile {@code shift-benchmark} (the class name does
 * not match the default test includes): {@code mvn -B -pl dp-examples -am verify -Pshift-benchmark}, with the
 * options of {@code bin/example shift-benchmark} in {@code -Dshift.args}.
 */
class ShiftBenchmarkFullRun {

    @Test
    void fullTable() {
        assumeTrue(FashionMnist.isAvailable(), "Fashion-MNIST missing: apt-get install dataset-fashion-mnist");
        String args = System.getProperty("shift.args", "").trim();
        int rc = new CommandLine(new ShiftBenchmark()).execute(args.isEmpty() ? new String[0] : args.split("\\s+"));
        assertEquals(0, rc, "shift-benchmark " + args);
    }
}
