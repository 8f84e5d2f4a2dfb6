package org.dpdl4j.core.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON layout shared by the audit results: the claim and its audited lower bound first, then the
 * audit's own counts, then the mechanism and notes (snake_case keys). Reporting only; no privacy assumption.
 */
final class AuditJson {

    private AuditJson() {
    }

    static String write(String audit, double claimedEpsilon, double epsilonLowerBound, double delta, double significance,
                        Map<String, Object> counts, String mechanism, List<String> notes) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("audit", audit);
        m.put("claimed_epsilon", claimedEpsilon);
        m.put("epsilon_lower_bound", epsilonLowerBound);
        m.put("delta", delta);
        m.put("confidence", 1 - significance);
        m.put("exceeds_claim", epsilonLowerBound > claimedEpsilon);
        m.putAll(counts);
        m.put("mechanism", mechanism);
        m.put("notes", notes);
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the audit result as JSON", e);
        }
    }
}
