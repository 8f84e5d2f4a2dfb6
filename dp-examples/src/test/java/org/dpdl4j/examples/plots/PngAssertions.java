package org.dpdl4j.examples.plots;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Checks on a written chart, shared by the chart tests and the command-line tests. */
public final class PngAssertions {

    private PngAssertions() {
    }

    /** Decodes the PNG, checks its size and that it is not one flat colour (an empty chart would be). */
    public static BufferedImage assertPng(Path file, int width, int height) throws IOException {
        assertTrue(Files.isRegularFile(file), file + " written");
        BufferedImage image = ImageIO.read(file.toFile());
        assertNotNull(image, "a readable PNG: " + file);
        assertEquals(width, image.getWidth());
        assertEquals(height, image.getHeight());
        double sum = 0;
        double sumSq = 0;
        long n = 0;
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                int rgb = image.getRGB(x, y);
                double grey = ((rgb >> 16 & 0xff) + (rgb >> 8 & 0xff) + (rgb & 0xff)) / 3.0;
                sum += grey;
                sumSq += grey * grey;
                n++;
            }
        }
        double variance = sumSq / n - (sum / n) * (sum / n);
        assertTrue(variance > 50, "pixel variance " + variance + " of " + file + ": the chart looks blank");
        return image;
    }
}
