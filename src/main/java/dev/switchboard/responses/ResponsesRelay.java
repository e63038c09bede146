package dev.switchboard.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.providers.Json;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * A Response that a provider of the Responses API (OpenAI) made, relayed to the caller as it came but for what
 * the gateway owns: the response id is the gateway's (so {@code GET /v1/responses/{id}} and
 * {@code previous_response_id} find it in the gateway's store, whichever provider serves the next turn), and
 * {@code previous_response_id}, {@code store} and {@code instructions} are the caller's (the provider was sent
 * the resolved conversation, unstored). One instance per streamed answer, not thread-safe; {@link #whole} for a
 * whole answer.
 */
public final class ResponsesRelay {
    /** Events that carry the whole Response object, whose id and echoed fields are the gateway's. */
    private static final Set<String> WITH_RESPONSE = Set.of("response.created", "response.in_progress", "response.queued",
            "response.completed", "response.incomplete");
    private static final Set<String> FINAL = Set.of("response.completed", "response.incomplete");

    private final ResponsesCall call;
    /** Events relayed so far: OpenAI numbers them from 0, so this is the next one's sequence number. */
    private int events;
    private ResponsesAnswer.Finished finished;

    public ResponsesRelay(ResponsesCall call) {
        this.call = call;
    }

    /** A whole Response object as the caller gets and the gateway stores it. */
    public static ResponsesAnswer.Finished whole(ResponsesCall call, ObjectNode providerResponse) {
        return ResponsesAnswer.finished(call, own(call, providerResponse.deepCopy()));
    }

    /** One provider event (its SSE text, {@code event:} and {@code data:} lines) as the caller gets it. */
    public String event(String raw) {
        events++;
        String type = type(raw);
        if (!WITH_RESPONSE.contains(type)) {
            return raw;
        }
        int data = raw.indexOf("data:");
        JsonNode json = Json.parseOrNull(raw.substring(data + 5).trim().getBytes(StandardCharsets.UTF_8));
        if (json == null || !json.path("response").isObject()) {
            return raw;
        }
        ObjectNode response = own(call, (ObjectNode) json.get("response"));
        if (FINAL.contains(type)) {
            finished = ResponsesAnswer.finished(call, response.deepCopy());
        }
        return "event: " + type + "\ndata: " + new String(Json.bytes(json), StandardCharsets.UTF_8) + "\n\n";
    }

    /** The response as it ended, once its final event was relayed; null for a stream that broke. */
    public ResponsesAnswer.Finished finished() {
        return finished;
    }

    /** The stream's error event, in place of the clean end of a broken answer, numbered after the relayed ones. */
    public String error(String code, String message) {
        ObjectNode data = Json.MAPPER.createObjectNode().put("type", "error").put("sequence_number", events)
                .put("code", code).put("message", message);
        data.putNull("param");
        return "event: error\ndata: " + new String(Json.bytes(data), StandardCharsets.UTF_8) + "\n\n";
    }

    private static ObjectNode own(ResponsesCall call, ObjectNode response) {
        response.put("id", call.id());
        for (String field : new String[] {"previous_response_id", "instructions"}) {
            JsonNode v = call.request().get(field);
            response.set(field, v == null ? Json.MAPPER.nullNode() : v);
        }
        response.put("store", call.store());
        return response;
    }

    private static String type(String raw) {
        if (!raw.startsWith("event:")) {
            return "";
        }
        int end = raw.indexOf('\n');
        return raw.substring(6, end < 0 ? raw.length() : end).trim();
    }
}
