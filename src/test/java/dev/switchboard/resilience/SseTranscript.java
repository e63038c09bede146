package dev.switchboard.resilience;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** An OpenAI server-sent-events body as the caller received it: its {@code data:} payloads, in order. */
record SseTranscript(String body, List<String> data) {

    static SseTranscript of(String body) {
        List<String> data = new ArrayList<>();
        for (String event : body.split("\n\n")) {
            for (String line : event.split("\n")) {
                if (line.startsWith("data:")) {
                    data.add(line.substring(line.startsWith("data: ") ? 6 : 5));
                }
            }
        }
        return new SseTranscript(body, List.copyOf(data));
    }

    /** Ends with the clean end marker as its last event (and the body ends right after it). */
    boolean endsWithDone() {
        return !data.isEmpty() && data.get(data.size() - 1).equals("[DONE]") && body.endsWith("data: [DONE]\n\n");
    }

    boolean containsDone() {
        return data.contains("[DONE]");
    }

    /** The last event is {@code {"error": ...}}. */
    boolean endsWithError() {
        return !data.isEmpty() && errorOf(data.get(data.size() - 1)) != null;
    }

    /** Every {@code {"error": ...}} event. */
    List<JsonNode> errors() {
        return data.stream().map(SseTranscript::errorOf).filter(e -> e != null).toList();
    }

    /** The text of every content delta, concatenated: what a caller would show. */
    String content() {
        StringBuilder sb = new StringBuilder();
        for (String d : data) {
            JsonNode json = parse(d);
            if (json != null) {
                sb.append(json.path("choices").path(0).path("delta").path("content").asText(""));
            }
        }
        return sb.toString();
    }

    private static JsonNode errorOf(String payload) {
        JsonNode json = parse(payload);
        return json != null && json.hasNonNull("error") ? json.get("error") : null;
    }

    private static JsonNode parse(String payload) {
        if (payload.equals("[DONE]")) {
            return null;
        }
        try {
            JsonNode json = Gateway.MAPPER.readTree(payload);
            return json != null && json.isObject() ? json : null;
        } catch (IOException e) {
            return null;
        }
    }
}
