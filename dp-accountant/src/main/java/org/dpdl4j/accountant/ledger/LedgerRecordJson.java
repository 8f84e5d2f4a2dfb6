package org.dpdl4j.accountant.ledger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Set;

/**
 * One ledger record as one line of JSON (without the newline). Field order is fixed so that lines read
 * well and diff cleanly:
 * <pre>{@code
 * {"format_version":1,"seq":1,"time":"2025-01-01T00:00:00Z","library_version":"0.1.0","mechanism":"dp-sgd",
 *  "first_step":0,"steps":100,"event":{...},"prev_hash":"<64 hex>","hash":"<64 hex>"}
 * }</pre>
 * The last two fields chain the records: {@code hash} is the SHA-256 of the line with its
 * {@code ,"hash":"…"} suffix removed, and {@code prev_hash} is the previous record's {@code hash} (64 zeros
 * for the first). An edited, removed or reordered line breaks the chain. The chain has no secret: it
 * detects accidental and naive edits; against an editor who recomputes it, anchor the head hash
 * ({@link PrivacyLedger#headHash()}) somewhere they cannot write.
 */
final class LedgerRecordJson {

    static final String FORMAT_VERSION = "format_version";
    static final String SEQ = "seq";
    static final String TIME = "time";
    static final String LIBRARY_VERSION = "library_version";
    static final String MECHANISM = "mechanism";
    static final String FIRST_STEP = "first_step";
    static final String STEPS = "steps";
    static final String EVENT = DpEventJson.EVENT;
    static final String PREV_HASH = "prev_hash";
    static final String HASH = "hash";
    /** prev_hash of the first record. */
    static final String GENESIS = "0".repeat(64);

    private static final Set<String> FIELDS = Set.of(FORMAT_VERSION, SEQ, TIME, LIBRARY_VERSION, MECHANISM,
            FIRST_STEP, STEPS, EVENT, PREV_HASH, HASH);
    private static final String HASH_PREFIX = ",\"" + HASH + "\":\"";

    private LedgerRecordJson() {
    }

    /** Thrown for a line that is not a valid record; the message says what is wrong. */
    static final class InvalidLineException extends Exception {
        final boolean newerFormat;

        InvalidLineException(String message, boolean newerFormat, Throwable cause) {
            super(message, cause);
            this.newerFormat = newerFormat;
        }
    }

    /** A decoded line: the record and its chain fields. */
    record Decoded(LedgerRecord record, String prevHash, String hash) {
    }

    /** The line for {@code record}, chained after a record whose hash is {@code prevHash}. */
    static String encode(LedgerRecord record, String prevHash) {
        String body = encodeWithoutHash(record, prevHash);
        String hash = sha256(body);
        return body.substring(0, body.length() - 1) + HASH_PREFIX + hash + "\"}";
    }

    /** The hash field of a line produced by {@link #encode}. */
    static String hashOf(String line) {
        return line.substring(line.length() - 66, line.length() - 2);
    }

    static String sha256(String text) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    private static String encodeWithoutHash(LedgerRecord record, String prevHash) {
        ObjectNode node = DpEventJson.MAPPER.createObjectNode();
        node.put(FORMAT_VERSION, record.formatVersion());
        node.put(SEQ, record.sequence());
        node.put(TIME, record.time().toString());
        node.put(LIBRARY_VERSION, record.libraryVersion());
        node.put(MECHANISM, record.mechanism());
        node.put(FIRST_STEP, record.firstStep());
        node.put(STEPS, record.steps());
        node.set(EVENT, DpEventJson.toTree(record.event()));
        node.put(PREV_HASH, prevHash);
        return DpEventJson.write(node);
    }

    static Decoded decode(String line, int supportedVersion) throws InvalidLineException {
        JsonNode node;
        try {
            node = DpEventJson.MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new InvalidLineException("not valid JSON (" + e.getOriginalMessage() + ")", false, e);
        }
        if (node == null || !node.isObject()) {
            throw new InvalidLineException("not a JSON object", false, null);
        }
        // The version is checked first: a newer format may legitimately have fields this reader rejects.
        long version = longField(node, FORMAT_VERSION);
        if (version < 1 || version > supportedVersion) {
            throw new InvalidLineException("format_version " + version + " is not one this dpdl4j reads (1 to "
                    + supportedVersion + ")", version > supportedVersion, null);
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!FIELDS.contains(name)) {
                throw new InvalidLineException("unknown field '" + name + "'", false, null);
            }
        }
        long seq = longField(node, SEQ);
        Instant time;
        String timeText = textField(node, TIME);
        try {
            time = Instant.parse(timeText);
        } catch (DateTimeParseException e) {
            throw new InvalidLineException("field 'time' is not an ISO-8601 UTC instant: '" + timeText + "'", false, e);
        }
        String libraryVersion = textField(node, LIBRARY_VERSION);
        String mechanism = textField(node, MECHANISM);
        long firstStep = longField(node, FIRST_STEP);
        long steps = longField(node, STEPS);
        JsonNode eventNode = node.get(EVENT);
        if (eventNode == null) {
            throw new InvalidLineException("missing field 'event'", false, null);
        }
        String prevHash = textField(node, PREV_HASH);
        String hash = textField(node, HASH);
        if (!line.endsWith(HASH_PREFIX + hash + "\"}") || !hash.matches("[0-9a-f]{64}")) {
            throw new InvalidLineException("field 'hash' must be the last field and 64 lower-case hex digits", false, null);
        }
        String body = line.substring(0, line.length() - (HASH_PREFIX.length() + hash.length() + 2)) + "}";
        if (!sha256(body).equals(hash)) {
            throw new InvalidLineException("the line was modified after it was written (its hash does not match its "
                    + "content)", false, null);
        }
        try {
            return new Decoded(new LedgerRecord((int) version, seq, time, libraryVersion, mechanism, firstStep, steps,
                    DpEventJson.fromTree(eventNode)), prevHash, hash);
        } catch (EventJsonException e) {
            throw new InvalidLineException("invalid event: " + e.getMessage(), false, e);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new InvalidLineException("invalid record: " + e.getMessage(), false, e);
        }
    }

    private static long longField(JsonNode node, String field) throws InvalidLineException {
        JsonNode value = node.get(field);
        if (value == null) {
            throw new InvalidLineException("missing field '" + field + "'", false, null);
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new InvalidLineException("field '" + field + "' must be a whole number, got " + value, false, null);
        }
        return value.longValue();
    }

    private static String textField(JsonNode node, String field) throws InvalidLineException {
        JsonNode value = node.get(field);
        if (value == null) {
            throw new InvalidLineException("missing field '" + field + "'", false, null);
        }
        if (!value.isTextual()) {
            throw new InvalidLineException("field '" + field + "' must be a string, got " + value, false, null);
        }
        return value.textValue();
    }
}
