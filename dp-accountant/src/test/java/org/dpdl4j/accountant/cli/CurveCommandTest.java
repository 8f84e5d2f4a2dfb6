package org.dpdl4j.accountant.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CurveCommandTest {

    @TempDir
    Path dir;

    @Test
    void writesCsvRowsAndAPng() throws IOException {
        Path csv = dir.resolve("eps.csv");
        Path png = dir.resolve("eps.png");
        JsonNode j = DpAccountantCliTest.ok("curve", "--sampling-rate", DpAccountantCliTest.Q,
                "--noise-multiplier", DpAccountantCliTest.SIGMA, "--steps", DpAccountantCliTest.T,
                "--delta", DpAccountantCliTest.DELTA, "--points", "12", "--csv", csv.toString(),
                "--png", png.toString(), "--json").json();

        List<String> lines = Files.readAllLines(csv);
        assertEquals("steps,epsilon", lines.get(0));
        long[] expectedSteps = CurveCommand.stepGrid(14062, 12, CurveCommand.Spacing.log);
        assertEquals(expectedSteps.length + 1, lines.size());
        assertEquals(expectedSteps.length, j.get("points").size());
        double previous = 0;
        for (int i = 0; i < expectedSteps.length; i++) {
            String[] cells = lines.get(i + 1).split(",");
            assertEquals(expectedSteps[i], Long.parseLong(cells[0]));
            double eps = Double.parseDouble(cells[1]);
            assertTrue(eps >= previous, "epsilon grows with steps: " + lines);
            previous = eps;
            assertEquals(eps, j.get("points").get(i).get("epsilon").asDouble(), 0.0);
        }
        assertTrue(lines.get(1).startsWith("1,"));
        double last = DpAccountantCliTest.epsilonJson("epsilon", "--sampling-rate", DpAccountantCliTest.Q,
                "--noise-multiplier", DpAccountantCliTest.SIGMA, "--steps", DpAccountantCliTest.T,
                "--delta", DpAccountantCliTest.DELTA, "--json");
        assertEquals("14062," + last, lines.get(lines.size() - 1));

        assertTrue(Files.size(png) > 1000);
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "a readable PNG");
        assertEquals(CurveChart.WIDTH, image.getWidth());
        assertEquals(CurveChart.HEIGHT, image.getHeight());
    }

    @Test
    void linearSpacingWithoutPngWritesOnlyTheCsv() throws IOException {
        Path csv = dir.resolve("lin.csv");
        CliRunner.Result r = DpAccountantCliTest.ok("curve", "--sampling-rate", "1", "--noise-multiplier", "8",
                "--steps", "100", "--delta", "1e-6", "--accountant", "gaussian", "--spacing", "linear",
                "--points", "5", "--csv", csv.toString());
        assertTrue(r.out().contains("wrote 5 rows"), r.out());
        List<String> lines = Files.readAllLines(csv);
        assertEquals(List.of("1", "26", "51", "75", "100"),
                lines.stream().skip(1).map(l -> l.split(",")[0]).toList());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void stepGridIsDistinctSortedAndEndsAtT() {
        assertArrayEquals(new long[] {1, 2, 3}, CurveCommand.stepGrid(3, 50, CurveCommand.Spacing.log));
        assertArrayEquals(new long[] {7}, CurveCommand.stepGrid(7, 1, CurveCommand.Spacing.linear));
        assertArrayEquals(new long[] {1, 10, 100, 1000}, CurveCommand.stepGrid(1000, 4, CurveCommand.Spacing.log));
        long[] grid = CurveCommand.stepGrid(1_000_000, 50, CurveCommand.Spacing.log);
        assertEquals(1, grid[0]);
        assertEquals(1_000_000, grid[grid.length - 1]);
        assertTrue(grid.length <= 50);
        for (int i = 1; i < grid.length; i++) {
            assertTrue(grid[i] > grid[i - 1]);
        }
    }

    @Test
    void chartTitleShowsParametersReadably() {
        assertEquals("ε against steps (q = 0.01, σ = 1.1, δ = 0.00001, rdp accountant)",
                CurveChart.title(0.01, 1.1, 1e-5, "rdp"));
    }
}
