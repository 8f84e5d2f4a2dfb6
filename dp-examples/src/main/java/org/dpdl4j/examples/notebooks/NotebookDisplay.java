package org.dpdl4j.examples.notebooks;

import java.awt.image.RenderedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;

/**
 * Stands in for the JJava kernel's {@code display(Object)} when notebook cells run in JShell: images
 * are written as PNG files into the folder named by the system property {@value #DIRECTORY_PROPERTY}
 * and announced on standard output with a marker line that {@link NotebookRunner} turns into an image
 * output; anything else is printed.
 */
public final class NotebookDisplay {

    /** System property: where displayed images go. */
    public static final String DIRECTORY_PROPERTY = "dpdl4j.notebook.display";
    /** Prefix of the marker line that announces an image file. */
    public static final String MARKER = "[[dpdl4j-display-png:";

    private static final AtomicInteger COUNT = new AtomicInteger();

    private NotebookDisplay() {
    }

    /** Shows {@code value}: images as PNG, everything else as text. */
    public static void show(Object value) {
        if (value instanceof RenderedImage image) {
            String dir = System.getProperty(DIRECTORY_PROPERTY);
            if (dir == null) {
                System.out.println("[image " + image.getWidth() + "x" + image.getHeight() + "]");
                return;
            }
            try {
                Path file = Path.of(dir).resolve("display-" + COUNT.incrementAndGet() + ".png");
                Files.createDirectories(file.getParent());
                ImageIO.write(image, "png", file.toFile());
                System.out.println(MARKER + file.toAbsolutePath() + "]]");
            } catch (IOException e) {
                throw new UncheckedIOException("could not write the displayed image: " + e.getMessage(), e);
            }
        } else {
            System.out.println(value);
        }
    }
}
