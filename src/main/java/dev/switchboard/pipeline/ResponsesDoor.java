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
 * object (or its event stream) and, unless {@code store} is false, is stored for the caller.
 */
final class ResponsesDoor {
    private static final Logger LOG = LoggerFactory.getLogger(ResponsesDoor.class);
    private static final String PATH = "/v1/responses/";

    private final ResponseStore store;

    ResponsesDoor(ResponseStore store) {
        this.store = store;
    }

    /** One Responses request in the pipeline: what its answer echoes, and where it is stored. */
    record Turn(ResponsesCall call, ResponsesDoor door) {
        byte[] json(RequestContext ctx, ChatResponse response) {
            ResponsesAnswer.Finished finished = ResponsesAnswer.of(call, response.body(), response.usage(), ctx.servedModelName);
            door.keep(ctx, finished);
            return Json.bytes(finished.response());
        }

        StreamEncoder encoder(RequestContext ctx) {
            return new Encoder(new ResponsesStreamWriter(call, ctx.servedModelName), ctx, door);
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
        ArrayNode conversation = Json.MAPPER.createArrayNode();
        JsonNode previous = body.get("previous_response_id");
        if (previous != null && !previous.isNull()) {
            String id = previous.asText("");
            if (!ResponseStore.isResponseId(id)) {
                throw GatewayError.badRequest("previous_response_id", "'previous_response_id' must be the id of a response (resp_...)");
            }
            ResponseStore.Stored stored = store.find(ctx.caller, id).orElseThrow(() -> new GatewayError(404, "invalid_request_error",
                    "previous_response_not_found", "previous_response_id", "Previous response with id '" + id + "' not found; it was not stored (store: false), has expired, or was made by another caller"));
            conversation.addAll(stored.conversation());
        }
        conversation.addAll(ResponsesRequest.inputMessages(body));
        ResponsesCall call = new ResponsesCall(ResponsesCall.idFor(ctx.requestId), ctx.createdAt.getEpochSecond(), body,
                keep == null || keep.isNull() || keep.asBoolean(), conversation);
        ctx.responses = new Turn(call, this);
        return ResponsesRequest.toChat(body, conversation);
    }

    /** {@code GET} (the Response object) or {@code DELETE} (a deletion notice) of the caller's own stored response. */
    ObjectNode stored(RequestContext ctx, Exchange exchange) {
        String uri = exchange.getMessage().getHeader(Exchange.HTTP_URI, "", String.class);
        int query = uri.indexOf('?');
        String path = query < 0 ? uri : uri.substring(0, query);
        String id = path.startsWith(PATH) ? path.substring(PATH.length()) : "";
        GatewayError notFound = new GatewayError(404, "invalid_request_error", "response_not_found", null,
                ResponseStore.isResponseId(id) ? "Response with id '" + id + "' not found" : "No response has this id; ids look like resp_...");
        if ("DELETE".equals(exchange.getMessage().getHeader(Exchange.HTTP_METHOD, String.class))) {
            if (!store.delete(ctx.caller, id)) {
                throw notFound;
            }
            return Json.MAPPER.createObjectNode().put("id", id).put("object", "response").put("deleted", true);
        }
        return store.find(ctx.caller, id).orElseThrow(() -> notFound).response();
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
