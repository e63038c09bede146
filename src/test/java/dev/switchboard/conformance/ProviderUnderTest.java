package dev.switchboard.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One provider in the conformance matrix: its catalog type, the fake that speaks its wire format, the exact
 * token counts the fake reports, and what it offers. The fakes share no interface, so each is seen through
 * these functions.
 */
record ProviderUnderTest(
        String id,
        String type,
        String baseUrl,
        /** Environment that points the gateway at the fake: base URL and key variables. */
        Map<String, String> env,
        /** Request bodies the fake received for an upstream model. */
        Function<String, List<JsonNode>> received,
        AutoCloseable fake,
        int promptTokens,
        int completionTokens,
        /** The cost the catalog's test prices give for that usage (input 2, output 4, cached 1, cache write 3 $/M; $5 per 1000 searches). */
        double expectedCostUsd,
        boolean tools,
        boolean embeddings,
        /** The upstream model name that makes the fake filter the answer, and what the caller then sees. */
        String filterModel,
        FilterOutcome filterOutcome,
        /** Failure model names (the fakes differ a little). */
        String serverErrorModel,
        String rateLimitModel,
        boolean rateLimitHasHint) {

    /** A filtered answer is a 200 with finish_reason content_filter, a 400 content_filter error, or not a thing this provider does. */
    enum FilterOutcome { FINISH_REASON, ERROR, NONE }

    @Override
    public String toString() {
        return id;
    }
}
