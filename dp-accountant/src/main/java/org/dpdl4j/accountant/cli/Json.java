package org.dpdl4j.accountant.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import org.dpdl4j.accountant.EpsilonResult;
import org.dpdl4j.accountant.LibraryVersion;

/**
 * JSON output. Doubles are written in Java's shortest round-trip form, so a script reading the output
 * gets the exact value the accountant computed. Non-finite values (ε = ∞ when no finite bound exists)
 * are written as the strings {@code "Infinity"} / {@code "NaN"}, Jackson's default, since JSON has no
 * literal for them.
 */
final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** A new object that starts with the tool version, so saved output says which code produced it. */
    static ObjectNode object() {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("dpdl4j_version", LibraryVersion.get());
        return node;
    }

    /** ε, δ, accountant, then {@code order} (RDP) or {@code error_bound} (tight accountants), then notes. */
    static void putResult(ObjectNode node, EpsilonResult r) {
        node.put("epsilon", r.epsilon());
        node.put("delta", r.delta());
        node.put("accountant", r.accountant());
        if (r.hasOrder()) {
            node.put("order", r.order());
        } else {
            node.put("error_bound", r.errorBound());
        }
        ArrayNode notes = node.putArray("notes");
        r.notes().forEach(notes::add);
    }

    static void print(PrintWriter out, ObjectNode node) {
        try {
            out.println(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (JsonProcessingException e) {
            // A tree of numbers and strings always serialises; reaching this is a bug.
            throw new IllegalStateException("cannot write JSON output", e);
        }
        out.flush();
    }
}
