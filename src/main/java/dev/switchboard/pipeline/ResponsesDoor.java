package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.ChatResponse;
import dev.switchboard.api.GatewayError;
import dev.switchboard.api.Usage;
import dev.switchboard.providers.Json;
import dev.switchboard.responses.ResponseStore;
import dev.switchboard.responses.ResponsesAnswer;
import dev.switchboard.responses.ResponsesCall;
import dev.switchboard.responses.ResponsesInputItems;
import dev.switchboard.responses.ResponsesPassThrough;
import dev.switchboard.responses.ResponsesRelay;
import dev.switchboard.responses.ResponsesRequest;
import dev.switchboard.responses.ResponsesStreamWriter;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenAI's Responses API as a front door ({@code POST /v1/responses}, {@code GET} and {@code DELETE
 * /v1/responses/{id}}): the request, continued from the caller's stored conversation when it names a
 * {@code previous_response_id}, becomes the canonical chat request, so rules, chains, budgets, the cache and
 * recording treat it as any chat request, whichever provider serves it; the answer goes back as a Response
 * object (or its event stream) and, unless {@code store} is false, is stored for the caller. A provider of the
 * Responses API (OpenAI) is sent the caller's own body instead, with the stored conversation resolved into its
 * input, and its Response and events are relayed with the gateway's response id ({@link ResponsesRelay}).
 */
final class ResponsesDoor {
    private static final Logger LOG = LoggerFactory.getLogger(ResponsesDoor.class);
    private static final String PATH = "/v1/responses/";
    private static final String INPUT_ITEMS = "/input_items";
    /** The query parameters of {@code input_items}; at most this many pairs of a query are read. */
    private static final java.util.Set<String> LIST_PARAMETERS = java.util.Set.of("limit", "order", "after");
    private static final int MAX_QUERY_PARAMETERS = 16;

    private final ResponseStore store;

    ResponsesDoor(ResponseStore store) {
        this.store = store;
    }

    /** One Responses request in the pipeline: what its answer echoes, and where it is stored. */
    record Turn(ResponsesCall call, ResponsesDoor door) {
        byte[] json(RequestContext ctx, ChatResponse response) {
            ResponsesAnswer.Finished finished = ctx.providerAnswer != null ? ResponsesRelay.whole(call, ctx.providerAnswer)
                    : ResponsesAnswer.of(call, response.body(), response.usage(), ctx.servedModelName);
            door.keep(ctx, finished);
            return Json.bytes(finished.response());
        }

        StreamEncoder encoder(RequestContext ctx) {
            return ctx.passThrough ? new Relay(new ResponsesRelay(call), ctx, door)
                    : new Encoder(new ResponsesStreamWriter(call, ctx.servedModelName), ctx, door);
        }
    }

    /** The canonical chat body of a Responses request by {@code ctx}'s caller. */
    ObjectNode canonical(RequestContext ctx, ObjectNode body) {
        JsonNode model = body.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            throw GatewayError.badRequest("model", "'model' is required: a model id string");
        }
        JsonNode keep = body.get("store");
        if (keep != null && !keep.isNull() && !keep.isBoolean()) {
            throw GatewayError.badRequest("store", "'store' must be true or false, got " + keep);
        }
        ArrayNode stored = Json.MAPPER.createArrayNode();
        JsonNode previous = body.get("previous_response_id");
        if (previous != null && !previous.isNull()) {
            String id = previous.asText("");
            if (!ResponseStore.isResponseId(id)) {
                throw GatewayError.badRequest("previous_response_id", "'previous_response_id' must be the id of a response (resp_...)");
            }
            ResponseStore.Stored found = store.find(ctx.caller, id).orElseThrow(() -> new GatewayError(404, "invalid_request_error",
                    "previous_response_not_found", "previous_response_id", "Previous response with id '" + id + "' not found; it was not stored (store: false), has expired, or was made by another caller"));
            stored.addAll(found.conversation());
        }
        ArrayNode conversation = stored.deepCopy();
        conversation.addAll(ResponsesRequest.inputMessages(body));
        // For a provider of the Responses API: the caller's body, continued from the gateway's store, not the provider's.
        ctx.callerBody = ResponsesPassThrough.resolve(body, stored);
        ResponsesCall call = new ResponsesCall(ResponsesCall.idFor(ctx.requestId), ctx.createdAt.getEpochSecond(), body,
                keep == null || keep.isNull() || keep.asBoolean(), conversation);
        ctx.responses = new Turn(call, this);
        return ResponsesRequest.toChat(body, conversation);
    }

    /**
     * {@code GET} (the Response object, or with {@code /input_items} a page of its input items) or {@code DELETE}
     * (a deletion notice) of the caller's own stored response.
     */
    ObjectNode stored(RequestContext ctx, Exchange exchange) {
        String uri = exchange.getMessage().getHeader(Exchange.HTTP_URI, "", String.class);
        int query = uri.indexOf('?');
        String path = query < 0 ? uri : uri.substring(0, query);
        String rest = path.startsWith(PATH) ? path.substring(PATH.length()) : "";
        boolean inputItems = rest.endsWith(INPUT_ITEMS);
        String id = inputItems ? rest.substring(0, rest.length() - INPUT_ITEMS.length()) : rest;
        GatewayError notFound = new GatewayError(404, "invalid_request_error", "response_not_found", null,
                ResponseStore.isResponseId(id) ? "Response with id '" + id + "' not found" : "No response has this id; ids look like resp_...");
        if ("DELETE".equals(exchange.getMessage().getHeader(Exchange.HTTP_METHOD, String.class))) {
            if (!store.delete(ctx.caller, id)) {
                throw notFound;
            }
            return Json.MAPPER.createObjectNode().put("id", id).put("object", "response").put("deleted", true);
        }
        ResponseStore.Stored stored = store.find(ctx.caller, id).orElseThrow(() -> notFound);
        if (inputItems) {
            java.util.Map<String, String> params = query(exchange.getMessage().getHeader(Exchange.HTTP_QUERY, "", String.class));
            return ResponsesInputItems.page(id, stored.conversation(), params.get("limit"), params.get("order"), params.get("after"));
        }
        return stored.response();
    }

    /** The query parameters this endpoint reads, by name; other names and repeats are ignored (no map keyed by caller input). */
    private static java.util.Map<String, String> query(String query) {
        java.util.Map<String, String> params = new java.util.HashMap<>();
        for (String pair : query.split("&", MAX_QUERY_PARAMETERS)) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            if (LIST_PARAMETERS.contains(name) && !params.containsKey(name)) {
                params.put(name, java.net.URLDecoder.decode(eq < 0 ? "" : pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return params;
    }

    /** Stores a finished response the caller asked to keep; an answer is never failed for want of storage. */
    private void keep(RequestContext ctx, ResponsesAnswer.Finished finished) {
        if (!ctx.responses.call().store()) {
            return;
        }
        try {
            if (!store.save(ctx.caller, finished)) {
                ctx.tags.add("response_not_stored:too_large");
            }
        } catch (RuntimeException e) {
            LOG.warn("Request {}: response not stored: {}", ctx.requestId, e.getMessage());
            ctx.tags.add("response_not_stored:database");
        }
    }

    /**
     * The provider's own Responses events (OpenAI), relayed with the gateway's response id; the finished response
     * is stored at the stream's clean end, from its final event.
     */
    private static final class Relay implements StreamEncoder {
        private final ResponsesRelay relay;
        private final RequestContext ctx;
        private final ResponsesDoor door;

        Relay(ResponsesRelay relay, RequestContext ctx, ResponsesDoor door) {
            this.relay = relay;
            this.ctx = ctx;
            this.door = door;
        }

        @Override
        public String chunk(ChatChunk chunk) {
            return chunk.raw() == null || chunk.raw().isEmpty() ? "" : relay.event(chunk.raw());
        }

        @Override
        public String end(Usage usage) {
            if (relay.finished() != null) {
                door.keep(ctx, relay.finished());
            }
            return ""; // the provider's final event was among the relayed ones
        }

        @Override
        public String error(String type, String code, String message) {
            return relay.error(code == null ? type : code, message);
        }
    }

    /** The Responses event stream, whatever provider answered; the finished response is stored at its clean end. */
    private static final class Encoder implements StreamEncoder {
        private final ResponsesStreamWriter writer;
        private final RequestContext ctx;
        private final ResponsesDoor door;

        Encoder(ResponsesStreamWriter writer, RequestContext ctx, ResponsesDoor door) {
            this.writer = writer;
            this.ctx = ctx;
            this.door = door;
        }

        @Override
        public String chunk(ChatChunk chunk) {
            return writer.onChunk(chunk.json());
        }

        @Override
        public String end(Usage usage) {
            String events = writer.finish(usage);
            door.keep(ctx, writer.finished());
            return events;
        }

        @Override
        public String error(String type, String code, String message) {
            return writer.error(code == null ? type : code, message);
        }
    }
}
