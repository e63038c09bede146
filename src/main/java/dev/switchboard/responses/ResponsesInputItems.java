package dev.switchboard.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.GatewayError;
import dev.switchboard.providers.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code GET /v1/responses/{id}/input_items}: the input a stored response was made from (the turns of its
 * {@code previous_response_id} chain and its own input, without the instructions), as OpenAI lists it: items with
 * ids, newest first unless {@code order=asc}, {@code limit} per page (1 to 100, 20 by default) after the item
 * named by {@code after}. Item ids are made from the response id and the item's place, so they are stable.
 */
public final class ResponsesInputItems {
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 100;

    private ResponsesInputItems() {
    }

    /**
     * One page of a stored response's input items.
     *
     * @param limit the caller's {@code limit} (null: the default)
     * @param order the caller's {@code order} (null: {@code desc})
     * @param after the caller's {@code after} (null: from the start)
     */
    public static ObjectNode page(String responseId, ArrayNode conversation, String limit, String order, String after) {
        int size = limit(limit);
        if (order != null && !order.equals("asc") && !order.equals("desc")) {
            throw GatewayError.badRequest("order", "'order' must be 'asc' or 'desc'");
        }
        List<ObjectNode> items = items(responseId, conversation);
        if (!"asc".equals(order)) {
            Collections.reverse(items);
        }
        int start = 0;
        if (after != null) {
            start = indexOf(items, after) + 1;
            if (start == 0) {
                throw GatewayError.badRequest("after", "'after' must be the id of one of this response's input items");
            }
        }
        List<ObjectNode> page = items.subList(start, Math.min(items.size(), start + size));
        ObjectNode list = Json.MAPPER.createObjectNode().put("object", "list");
        list.putArray("data").addAll(page);
        list.set("first_id", page.isEmpty() ? Json.MAPPER.nullNode() : page.get(0).get("id"));
        list.set("last_id", page.isEmpty() ? Json.MAPPER.nullNode() : page.get(page.size() - 1).get("id"));
        list.put("has_more", start + page.size() < items.size());
        return list;
    }

    private static int limit(String limit) {
        if (limit == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(limit);
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below, as any other value out of range
        }
        throw GatewayError.badRequest("limit", "'limit' must be a whole number from 1 to " + MAX_LIMIT);
    }

    /** The input items in order, the answer (the conversation's last turn) left out, each with its id. */
    private static List<ObjectNode> items(String responseId, ArrayNode conversation) {
        ArrayNode input = conversation.deepCopy();
        if (!input.isEmpty()) {
            input.remove(input.size() - 1);
        }
        String tail = responseId.substring("resp_".length());
        List<ObjectNode> out = new ArrayList<>();
        for (JsonNode item : ResponsesPassThrough.items(input)) {
            ObjectNode o = (ObjectNode) item;
            int n = out.size();
            switch (o.path("type").asText("message")) {
                case "function_call" -> out.add(withId(ResponsesCall.functionCallItemId(o.path("call_id").asText()), o.put("status", "completed")));
                case "function_call_output" -> out.add(withId("fco_" + tail + "_" + n, o.put("status", "completed")));
                default -> out.add(withId("msg_" + tail + "_" + n, message(o)));
            }
        }
        return out;
    }

    /** A message item as OpenAI lists it: typed, with content parts. */
    private static ObjectNode message(ObjectNode m) {
        String role = m.path("role").asText();
        ObjectNode out = Json.MAPPER.createObjectNode().put("type", "message").put("role", role).put("status", "completed");
        JsonNode content = m.get("content");
        if (content.isArray()) {
            out.set("content", content);
        } else {
            out.putArray("content").addObject().put("type", role.equals("assistant") ? "output_text" : "input_text")
                    .put("text", content.asText(""));
        }
        return out;
    }

    private static ObjectNode withId(String id, ObjectNode item) {
        ObjectNode out = Json.MAPPER.createObjectNode().put("id", id);
        out.setAll(item);
        return out;
    }

    private static int indexOf(List<ObjectNode> items, String id) {
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i).path("id").asText().equals(id)) {
                return i;
            }
        }
        return -1;
    }
}
