package org.dpdl4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The stand-alone consumer project under src/it/consumer (built and run by .ci/run after
 * {@code mvn install}) must ask for the version this build produces and must not inherit from the
 * dpdl4j build, or it would not prove anything about the published coordinates.
 */
class ConsumerProjectTest {

    @Test
    void consumerDependsOnThisVersionWithoutAParent() throws Exception {
        String consumer = Files.readString(Path.of("src/it/consumer/pom.xml"));
        String ours = Files.readString(Path.of("pom.xml"));
        Matcher parentVersion = Pattern.compile("<parent>.*?<version>([^<]+)</version>", Pattern.DOTALL).matcher(ours);
        assertTrue(parentVersion.find(), "dp-examples/pom.xml has a parent version");
        Matcher dep = Pattern.compile("<artifactId>dp-dl4j</artifactId>\\s*<version>([^<]+)</version>").matcher(consumer);
        assertTrue(dep.find(), "the consumer depends on org.dpdl4j:dp-dl4j with an explicit version");
        assertEquals(parentVersion.group(1), dep.group(1), "update src/it/consumer/pom.xml to the project version");
        assertFalse(consumer.contains("<parent>"), "the consumer must be stand-alone (no parent pom)");
        assertTrue(consumer.contains("<classifier>linux-x86_64</classifier>"), "the consumer chooses its ND4J backend itself");
    }
}
