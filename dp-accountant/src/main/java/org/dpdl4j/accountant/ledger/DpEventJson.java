package org.dpdl4j.accountant.ledger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.dpdl4j.accountant.event.ComposedEvent;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.NeighbouringRelation;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SampledWithoutReplacementEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;

/**
 * Lossless, human-readable JSON form of every {@link DpEvent}, e.g.
 * <pre>{@code
 * {"type":"poisson_sampled","sampling_rate":0.004,
 *  "event":{"type":"gaussian","noise_multiplier":1.1,"relation":"add_or_remove_one"}}
 * }</pre>
 * Types are the events' {@link DpEvent#kind()}s; fields are {@code noise_multiplier}, {@code relation}
 * ({@code add_or_remove_one} or {@code replace_one}), {@code sampling_rate}, {@code sample_size},
 * {@code population_size}, {@code count}, {@code event} and {@code events}. Decoding is strict: an unknown
 * type, a missing, mistyped or unknown field is an {@link EventJsonException} naming the field.
 *
 * <p>Privacy assumption: an auditor re-accounts exactly the mechanism that was recorded. Doubles are
 * written in Java's round-trip decimal form and parsed back to the identical value, and nothing is
 * defaulted, so decoding never changes the accounted ε.
 *
 * <p>The bare event form has no version of its own: inside a ledger the record's {@code format_version}
 * covers it, and standalone documents use {@link #toDocument}, which carries {@link #FORMAT_VERSION}.
 */
public final class DpEventJson {

    /** Version of this event encoding; bumped on any change an old reader would misread. */
    public static final int FORMAT_VERSION = 1;

    static final String TYPE = "type";
    static final String NOISE_MULTIPLIER = "noise_multiplier";
    static final String RELATION = "relation";
    static final String SAMPLING_RATE = "sampling_rate";
    static final String SAMPLE_SIZE = "sample_size";
    static final String POPULATION_SIZE = "population_size";
    static final String COUNT = "count";
    static final String EVENT = "event";
    static final String EVENTS = "events";
    static final String DOCUMENT_VERSION = "format_version";

    private static final String GAUSSIAN = "gaussian";
    private static final String POISSON = "poisson_sampled";
    private static final String WITHOUT_REPLACEMENT = "sampled_without_replacement";
    private static final String SELF_COMPOSED = "self_composed";
    private static final String COMPOSED = "composed";
    private static final List<String> TYPES = List.of(GAUSSIAN, POISSON, WITHOUT_REPLACEMENT, SELF_COMPOSED, COMPOSED);

    /**
     * Shared by the ledger. Duplicate keys and trailing tokens are errors because either would let two
     * readers disagree about what a line says.
     */
    static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private DpEventJson() {
    }

    /** Compact JSON text of the event. */
    public static String toJson(DpEvent event) {
        return write(toTree(event));
    }

    /**
     * Parses {@link #toJson} output.
     *
     * @throws EventJsonException naming the field if the text is not a valid event
     */
    public static DpEvent fromJson(String json) {
        return fromTree(parse(json, EVENT));
    }

    /** The event as a Jackson tree, for embedding in larger documents. */
    public static ObjectNode toTree(DpEvent event) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put(TYPE, event.kind());
        if (event instanceof GaussianEvent g) {
            node.put(NOISE_MULTIPLIER, g.noiseMultiplier());
            node.put(RELATION, g.relation().name().toLowerCase(Locale.ROOT));
        } else if (event instanceof PoissonSampledEvent p) {
            node.put(SAMPLING_RATE, p.samplingRate());
            node.set(EVENT, toTree(p.event()));
        } else if (event instanceof SampledWithoutReplacementEvent w) {
            node.put(SAMPLE_SIZE, w.sampleSize());
            node.put(POPULATION_SIZE, w.populationSize());
            node.set(EVENT, toTree(w.event()));
        } else if (event instanceof SelfComposedEvent s) {
            node.put(COUNT, s.count());
            node.set(EVENT, toTree(s.event()));
        } else if (event instanceof ComposedEvent c) {
            ArrayNode events = node.putArray(EVENTS);
            for (DpEvent e : c.events()) {
                events.add(toTree(e));
            }
        } else {
            // The hierarchy is sealed; this only fires if a new event type is added without a codec.
            throw new IllegalArgumentException("no JSON form for event type " + event.kind());
        }
        return node;
    }

    /**
     * Decodes a tree produced by {@link #toTree}; field paths in errors start at {@code event}.
     *
     * @throws EventJsonException naming the field if the tree is not a valid event
     */
    public static DpEvent fromTree(JsonNode node) {
        return decode(node, EVENT);
    }

    /** A standalone, versioned document: {@code {"format_version":1,"event":{...}}}. */
    public static String toDocument(DpEvent event) {
        ObjectNode doc = MAPPER.createObjectNode();
        doc.put(DOCUMENT_VERSION, FORMAT_VERSION);
        doc.set(EVENT, toTree(event));
        return write(doc);
    }

    /**
     * Parses {@link #toDocument} output.
     *
     * @throws EventJsonException if the version is not one this library reads, or the event is invalid
     */
    public static DpEvent fromDocument(String json) {
        JsonNode doc = parse(json, "document");
        requireObject(doc, "document");
        checkFields(doc, "document", "a versioned event document", DOCUMENT_VERSION, EVENT);
        long version = longField(doc, DOCUMENT_VERSION, "", "a versioned event document");
        if (version != FORMAT_VERSION) {
            throw new EventJsonException(DOCUMENT_VERSION, "unsupported event format version " + version
                    + "; this dpdl4j reads version " + FORMAT_VERSION + " (use the dpdl4j release that wrote it)");
        }
        return decode(doc.get(EVENT), EVENT);
    }

    static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            // Writing an in-memory tree of numbers and strings cannot fail; keep the cause if it ever does.
            throw new IllegalStateException("cannot serialise JSON tree", e);
        }
    }

    private static JsonNode parse(String json, String what) {
        if (json == null) {
            throw new EventJsonException(what, "no JSON given (null)");
        }
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new EventJsonException(what, "not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static DpEvent decode(JsonNode node, String path) {
        requireObject(node, path);
        JsonNode typeNode = node.get(TYPE);
        if (typeNode == null) {
            throw new EventJsonException(join(path, TYPE), "missing field; every event needs a type, one of " + TYPES);
        }
        if (!typeNode.isTextual()) {
            throw new EventJsonException(join(path, TYPE), "must be a string, one of " + TYPES + ", got " + typeNode);
        }
        String type = typeNode.textValue();
        String what = "a " + type + " event";
        try {
            switch (type) {
                case GAUSSIAN -> {
                    checkFields(node, path, what, TYPE, NOISE_MULTIPLIER, RELATION);
                    return new GaussianEvent(doubleField(node, NOISE_MULTIPLIER, path, what),
                            relationField(node, path, what));
                }
                case POISSON -> {
                    checkFields(node, path, what, TYPE, SAMPLING_RATE, EVENT);
                    double q = doubleField(node, SAMPLING_RATE, path, what);
                    DpEvent inner = decode(required(node, EVENT, path, what), join(path, EVENT));
                    return new PoissonSampledEvent(q, inner);
                }
                case WITHOUT_REPLACEMENT -> {
                    checkFields(node, path, what, TYPE, SAMPLE_SIZE,
                            POPULATION_SIZE, EVENT);
                    long b = longField(node, SAMPLE_SIZE, path, what);
                    long n = longField(node, POPULATION_SIZE, path, what);
                    DpEvent inner = decode(required(node, EVENT, path, what), join(path, EVENT));
                    return new SampledWithoutReplacementEvent(b, n, inner);
                }
                case SELF_COMPOSED -> {
                    checkFields(node, path, what, TYPE, COUNT, EVENT);
                    long count = longField(node, COUNT, path, what);
                    DpEvent inner = decode(required(node, EVENT, path, what), join(path, EVENT));
                    return new SelfComposedEvent(inner, count);
                }
                case COMPOSED -> {
                    checkFields(node, path, what, TYPE, EVENTS);
                    JsonNode array = required(node, EVENTS, path, what);
                    if (!array.isArray()) {
                        throw new EventJsonException(join(path, EVENTS), "must be an array of events, got " + array);
                    }
                    List<DpEvent> events = new ArrayList<>(array.size());
                    for (int i = 0; i < array.size(); i++) {
                        events.add(decode(array.get(i), join(path, EVENTS) + "[" + i + "]"));
                    }
                    return new ComposedEvent(events);
                }
                default -> throw new EventJsonException(join(path, TYPE), "unknown event type '" + type
                        + "'; known types are " + TYPES);
            }
        } catch (EventJsonException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            // The event constructors reject out-of-range values (q > 1, b > n, ...); report where they came from.
            throw new EventJsonException(path, "invalid " + type + " event: " + e.getMessage(), e);
        }
    }

    private static void requireObject(JsonNode node, String path) {
        if (node == null || !node.isObject()) {
            throw new EventJsonException(path, "must be a JSON object, got " + (node == null ? "nothing" : node));
        }
    }

    private static void checkFields(JsonNode node, String path, String what, String... allowed) {
        Set<String> known = Set.of(allowed);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                // Unknown fields are refused rather than ignored: a field this version does not understand
                // might change what the event means.
                throw new EventJsonException(join(path, name), "unknown field in " + what + "; expected "
                        + Arrays.stream(allowed).collect(Collectors.joining(", ")));
            }
        }
    }

    private static JsonNode required(JsonNode node, String field, String path, String what) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new EventJsonException(join(path, field), "missing field (required in " + what + ")");
        }
        return value;
    }

    private static double doubleField(JsonNode node, String field, String path, String what) {
        JsonNode value = required(node, field, path, what);
        if (!value.isNumber()) {
            throw new EventJsonException(join(path, field), "must be a number, got " + value);
        }
        return value.doubleValue();
    }

    private static long longField(JsonNode node, String field, String path, String what) {
        JsonNode value = required(node, field, path, what);
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new EventJsonException(join(path, field), "must be a whole number that fits a long, got " + value);
        }
        return value.longValue();
    }

    private static NeighbouringRelation relationField(JsonNode node, String path, String what) {
        JsonNode value = required(node, RELATION, path, what);
        String accepted = Arrays.stream(NeighbouringRelation.values())
                .map(r -> r.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
        if (value.isTextual()) {
            for (NeighbouringRelation r : NeighbouringRelation.values()) {
                if (r.name().toLowerCase(Locale.ROOT).equals(value.textValue())) {
                    return r;
                }
            }
        }
        throw new EventJsonException(join(path, RELATION), "must be one of " + accepted + ", got " + value);
    }

    private static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }
}
