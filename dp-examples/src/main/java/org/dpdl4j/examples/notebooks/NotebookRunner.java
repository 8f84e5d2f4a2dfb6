package org.dpdl4j.examples.notebooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;

/**
 * Executes the code cells of a Jupyter notebook written for the JJava kernel, in order, in JShell
 * (part of the JDK) on this JVM's class path: the stand-in for a kernel in CI, where JJava cannot be
 * installed. A cell fails when a snippet does not compile or throws; no cell is skipped. Kernel magics
 * are checked, not run: only {@code %maven org.dpdl4j:<artifact>:<version>} is allowed, because the
 * class path here already holds those artifacts. {@code display(Object)} is provided by
 * {@link NotebookDisplay}.
 *
 * <p>{@code java ... NotebookRunner [--write] notebook.ipynb...}: with {@code --write} the notebook is
 * saved back with the outputs of this run (text and PNG images) and execution counts.
 */
public final class NotebookRunner {

    private static final Pattern MAVEN_MAGIC = Pattern.compile("%maven\\s+org\\.dpdl4j:[a-z0-9-]+:[0-9A-Za-z.\\-]+\\s*");

    /** One executed cell: its index among code cells, text output, and images shown. */
    public record CellResult(int index, String output, List<Path> images) {
    }

    /** A failed cell, with the snippet and the reason. */
    public static final class CellFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CellFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private NotebookRunner() {
    }

    /** Runs every code cell of {@code notebook}; throws {@link CellFailure} at the first failing cell. */
    public static List<CellResult> run(Path notebook, Path displayDir) throws IOException {
        JsonNode nb = new ObjectMapper().readTree(notebook.toFile());
        List<String> cells = new ArrayList<>();
        for (JsonNode cell : nb.get("cells")) {
            if ("code".equals(cell.get("cell_type").asText())) {
                cells.add(source(cell));
            }
        }
        if (cells.isEmpty()) {
            throw new CellFailure(notebook + " has no code cells", null);
        }
        System.setProperty(NotebookDisplay.DIRECTORY_PROPERTY, displayDir.toString());
        List<CellResult> results = new ArrayList<>();
        PrintStream realOut = System.out;
        try (JShell shell = JShell.builder().executionEngine("local").out(realOut).err(System.err).build()) {
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                if (!entry.isBlank()) {
                    shell.addToClasspath(entry);
                }
            }
            eval(shell, "void display(Object value) { org.dpdl4j.examples.notebooks.NotebookDisplay.show(value); }", notebook, -1);
            for (int i = 0; i < cells.size(); i++) {
                long started = System.nanoTime();
                ByteArrayOutputStream captured = new ByteArrayOutputStream();
                PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
                System.setOut(capture);
                try {
                    String code = checkMagics(cells.get(i), notebook, i);
                    SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
                    String remaining = code;
                    while (!remaining.isBlank()) {
                        SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
                        if (!info.completeness().isComplete()) {
                            throw new CellFailure(notebook.getFileName() + " cell " + (i + 1) + ": incomplete code: " + remaining.strip(), null);
                        }
                        eval(shell, info.source(), notebook, i);
                        remaining = info.remaining();
                    }
                } finally {
                    System.setOut(realOut);
                }
                String text = captured.toString(StandardCharsets.UTF_8);
                List<Path> images = new ArrayList<>();
                StringBuilder plain = new StringBuilder();
                for (String line : text.split("\n", -1)) {
                    if (line.startsWith(NotebookDisplay.MARKER) && line.endsWith("]]")) {
                        images.add(Path.of(line.substring(NotebookDisplay.MARKER.length(), line.length() - 2)));
                    } else {
                        plain.append(line).append('\n');
                    }
                }
                String out = plain.toString().replaceAll("\n+$", "");
                realOut.print(out.isEmpty() ? "" : out + "\n");
                System.err.printf("[%s cell %d: %.1f s]%n", notebook.getFileName(), i + 1, (System.nanoTime() - started) / 1e9);
                results.add(new CellResult(i, out, images));
            }
        }
        return results;
    }

    private static String source(JsonNode cell) {
        JsonNode src = cell.get("source");
        if (src.isArray()) {
            StringBuilder b = new StringBuilder();
            src.forEach(line -> b.append(line.asText()));
            return b.toString();
        }
        return src.asText();
    }

    private static String checkMagics(String cell, Path notebook, int index) {
        StringBuilder code = new StringBuilder();
        for (String line : cell.split("\n", -1)) {
            if (line.startsWith("%")) {
                if (!MAVEN_MAGIC.matcher(line).matches()) {
                    throw new CellFailure(notebook.getFileName() + " cell " + (index + 1) + ": unsupported kernel magic '" + line
                            + "'; only %maven org.dpdl4j:<artifact>:<version> is allowed", null);
                }
                code.append('\n');
            } else {
                code.append(line).append('\n');
            }
        }
        return code.toString();
    }

    private static void eval(JShell shell, String snippet, Path notebook, int index) {
        String where = notebook.getFileName() + (index < 0 ? " (set-up)" : " cell " + (index + 1));
        for (SnippetEvent e : shell.eval(snippet)) {
            if (e.status() == Snippet.Status.REJECTED) {
                StringBuilder why = new StringBuilder();
                shell.diagnostics(e.snippet()).forEach(d -> why.append(d.getMessage(null)).append("; "));
                throw new CellFailure(where + ": does not compile: " + why + "in: " + snippet.strip(), null);
            }
            if (e.exception() != null) {
                Throwable ex = e.exception();
                String detail = ex instanceof EvalException ee ? ee.getExceptionClassName() + ": " + ee.getMessage() : ex.toString();
                throw new CellFailure(where + ": threw " + detail + " in: " + snippet.strip(), ex);
            }
            if (e.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED || e.status() == Snippet.Status.RECOVERABLE_DEFINED) {
                List<Diag> diags = shell.diagnostics(e.snippet()).toList();
                if (!diags.isEmpty()) {
                    throw new CellFailure(where + ": refers to something undefined: " + diags.get(0).getMessage(null), null);
                }
            }
        }
    }

    /** Writes the outputs of {@code results} into the notebook file. */
    static void writeOutputs(Path notebook, List<CellResult> results) throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode nb = (ObjectNode) mapper.readTree(notebook.toFile());
        int codeIndex = 0;
        for (JsonNode node : nb.get("cells")) {
            ObjectNode cell = (ObjectNode) node;
            if (!"code".equals(cell.get("cell_type").asText())) {
                continue;
            }
            CellResult r = results.get(codeIndex++);
            cell.put("execution_count", codeIndex);
            ArrayNode outputs = cell.putArray("outputs");
            if (!r.output().isEmpty()) {
                ObjectNode stream = outputs.addObject();
                stream.put("output_type", "stream");
                stream.put("name", "stdout");
                ArrayNode text = stream.putArray("text");
                String[] lines = r.output().split("\n", -1);
                for (int i = 0; i < lines.length; i++) {
                    text.add(i < lines.length - 1 ? lines[i] + "\n" : lines[i]);
                }
            }
            for (Path image : r.images()) {
                ObjectNode display = outputs.addObject();
                display.put("output_type", "display_data");
                display.putObject("data").put("image/png", Base64.getEncoder().encodeToString(Files.readAllBytes(image)));
                display.putObject("metadata");
            }
        }
        Files.writeString(notebook, mapper.writeValueAsString(nb) + "\n");
    }

    public static void main(String[] args) throws IOException {
        boolean write = false;
        List<Path> notebooks = new ArrayList<>();
        for (String a : args) {
            if ("--write".equals(a)) {
                write = true;
            } else {
                notebooks.add(Path.of(a));
            }
        }
        if (notebooks.isEmpty()) {
            System.err.println("usage: NotebookRunner [--write] notebook.ipynb...");
            System.exit(2);
        }
        for (Path nb : notebooks) {
            Path displayDir = Files.createTempDirectory("dpdl4j-notebook-");
            try {
                List<CellResult> results = run(nb, displayDir);
                if (write) {
                    writeOutputs(nb, results);
                }
                System.err.println(nb + ": " + results.size() + " code cells ran");
            } catch (CellFailure e) {
                System.err.println("notebook: error: " + e.getMessage());
                System.exit(1);
            }
        }
    }
}
