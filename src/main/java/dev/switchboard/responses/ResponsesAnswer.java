package dev.switchboard.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.Usage;
import dev.switchboard.providers.Json;

/**
 * A canonical chat answer as a Responses API answer: the assistant's text becomes a {@code message} output item
 * with an {@code output_text} part (or a {@code refusal} part), each tool call a {@code function_call} item, and
 * the whole a Response object. The same items, with the same ids, as {@link ResponsesStreamWriter} streams.
 */
public final class ResponsesAnswer {
    private ResponsesAnswer() {
    }

    /** What a finished response leaves behind: the Response object, and the conversation a later turn continues. */
    public record Finished(ObjectNode response, ArrayNode conversation) {
    }

    /** The Response object for a whole chat completion, and the conversation with its answer appended. */
    public static Finished of(ResponsesCall call, JsonNode chatCompletion, Usage usage, String model) {
        JsonNode choice = chatCompletion.path("choices").path(0);
        JsonNode message = choice.path("message");
        ArrayNode output = Json.MAPPER.createArrayNode();
        String text = message.path("content").isTextual() ? message.get("content").asText() : "";
        String refusal = message.path("refusal").isTextual() ? message.get("refusal").asText() : "";
        if (!text.isEmpty() || !refusal.isEmpty() || !message.path("tool_calls").isArray()) {
            output.add(refusal.isEmpty() || !text.isEmpty() ? messageItem(call, text, "completed") : refusalItem(call, refusal));
        }
        for (JsonNode tc : message.path("tool_calls")) {
            JsonNode f = tc.path("function");
            output.add(functionCallItem(tc.path("id").asText(""), f.path("name").asText(""), f.path("arguments").asText(""), "completed"));
        }
        String[] status = ResponsesCall.status(choice.path("finish_reason").asText(null));
        return finished(call, call.envelope(model, status[0], status[1], output, usage));
    }

    /** A finished Response object with the conversation a later {@code previous_response_id} continues from. */
    static Finished finished(ResponsesCall call, ObjectNode response) {
        ArrayNode conversation = call.conversation().deepCopy();
        ObjectNode assistant = Json.MAPPER.createObjectNode().put("role", "assistant");
        StringBuilder text = new StringBuilder();
        ArrayNode calls = Json.MAPPER.createArrayNode();
        for (JsonNode item : response.path("output")) {
            if (item.path("type").asText().equals("message")) {
                item.path("content").forEach(p -> text.append(p.path("text").asText(p.path("refusal").asText(""))));
            } else if (item.path("type").asText().equals("function_call")) {
                ObjectNode c = calls.addObject().put("id", item.path("call_id").asText()).put("type", "function");
                c.putObject("function").put("name", item.path("name").asText()).put("arguments", item.path("arguments").asText());
            }
        }
        if (text.isEmpty() && !calls.isEmpty()) {
            assistant.putNull("content");
        } else {
            assistant.put("content", text.toString());
        }
        if (!calls.isEmpty()) {
            assistant.set("tool_calls", calls);
        }
        conversation.add(assistant);
        return new Finished(response, conversation);
    }

    static ObjectNode messageItem(ResponsesCall call, String text, String status) {
        ObjectNode item = Json.MAPPER.createObjectNode().put("id", call.messageId()).put("type", "message")
                .put("status", status).put("role", "assistant");
        item.putArray("content").add(textPart(text));
        return item;
    }

    static ObjectNode refusalItem(ResponsesCall call, String refusal) {
        ObjectNode item = Json.MAPPER.createObjectNode().put("id", call.messageId()).put("type", "message")
                .put("status", "completed").put("role", "assistant");
        item.putArray("content").addObject().put("type", "refusal").put("refusal", refusal);
        return item;
    }

    static ObjectNode textPart(String text) {
        ObjectNode part = Json.MAPPER.createObjectNode().put("type", "output_text").put("text", text);
        part.putArray("annotations");
        part.putArray("logprobs");
        return part;
    }

    static ObjectNode functionCallItem(String callId, String name, String arguments, String status) {
        return Json.MAPPER.createObjectNode().put("id", ResponsesCall.functionCallItemId(callId)).put("type", "function_call")
                .put("status", status).put("arguments", arguments).put("call_id", callId).put("name", name);
    }
}
