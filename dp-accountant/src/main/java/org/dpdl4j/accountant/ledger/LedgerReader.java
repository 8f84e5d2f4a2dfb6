package org.dpdl4j.accountant.ledger;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Validates a ledger file's bytes and turns them into records and their tally. Anything that is not a
 * complete, contiguous sequence of valid records is a {@link CorruptLedgerException}: the first problem
 * wins, so the reported line is the earliest one to inspect.
 */
final class LedgerReader {

    static final String INCOMPLETE_ADVICE = "The last append was interrupted (crash, kill or full disk) before "
            + "it completed, so it was never acknowledged. If your code runs steps only after "
            + "PrivacyLedger.append or PrivacyBudget.spend returned (as it should), those steps never ran: remove "
            + "the incomplete line with PrivacyLedger.discardIncompleteFinalLine(path) and open the ledger again. "
            + "Otherwise restore the file from a backup";
    static final String CORRUPT_ADVICE = "Every line is privacy that was already spent, so the ledger cannot be "
            + "read around it: restore the file from a backup, or repair the line by hand from the training "
            + "logs; do not delete it";
    static final String SEQUENCE_ADVICE = "Records are missing, duplicated or reordered, so the file no longer "
            + "accounts for everything spent: restore it from a backup";
    static final String NEWER_ADVICE = "It was written by a newer dpdl4j: read it with that version or later";

    /** Records in file order, the composition of their costs, and the hash of the last record. */
    record Contents(List<LedgerRecord> records, EventTally tally, String headHash) {
    }

    private LedgerReader() {
    }

    static Contents parse(Path file, byte[] bytes, int supportedVersion) throws CorruptLedgerException {
        List<LedgerRecord> records = new ArrayList<>();
        EventTally tally = EventTally.EMPTY;
        String prevHash = LedgerRecordJson.GENESIS;
        int start = 0;
        long lineNumber = 0;
        while (start < bytes.length) {
            lineNumber++;
            int end = indexOf(bytes, (byte) '\n', start);
            if (end < 0) {
                throw new CorruptLedgerException(file, lineNumber, "the final line is incomplete (no trailing "
                        + "newline after " + (bytes.length - start) + " bytes)", INCOMPLETE_ADVICE, null);
            }
            String line = decodeUtf8(file, lineNumber, bytes, start, end);
            start = end + 1;
            if (line.isBlank()) {
                throw new CorruptLedgerException(file, lineNumber, "the line is empty", CORRUPT_ADVICE, null);
            }
            LedgerRecordJson.Decoded decoded;
            try {
                decoded = LedgerRecordJson.decode(line, supportedVersion);
            } catch (LedgerRecordJson.InvalidLineException e) {
                throw new CorruptLedgerException(file, lineNumber, "not a valid ledger record: " + e.getMessage(),
                        e.newerFormat ? NEWER_ADVICE : CORRUPT_ADVICE, e);
            }
            LedgerRecord record = decoded.record();
            if (record.sequence() != lineNumber) {
                throw new CorruptLedgerException(file, lineNumber, "sequence number " + record.sequence()
                        + " where " + lineNumber + " was expected", SEQUENCE_ADVICE, null);
            }
            if (!decoded.prevHash().equals(prevHash)) {
                throw new CorruptLedgerException(file, lineNumber, "the hash chain is broken: prev_hash does not match "
                        + "the record before it, so records were edited, removed or reordered", SEQUENCE_ADVICE, null);
            }
            prevHash = decoded.hash();
            try {
                tally = tally.plus(record.cost());
            } catch (IllegalArgumentException e) {
                throw new CorruptLedgerException(file, lineNumber, "the record cannot be composed with the "
                        + "earlier ones: " + e.getMessage(), CORRUPT_ADVICE, e);
            }
            records.add(record);
        }
        return new Contents(Collections.unmodifiableList(records), tally, prevHash);
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static String decodeUtf8(Path file, long lineNumber, byte[] bytes, int start, int end)
            throws CorruptLedgerException {
        try {
            // Strict decoding: replacement characters would silently change a damaged line into a readable one.
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, start, end - start))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new CorruptLedgerException(file, lineNumber, "the line is not valid UTF-8", CORRUPT_ADVICE, e);
        }
    }
}
