package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatResponse;
import dev.switchboard.api.ErrorBodies;
import dev.switchboard.api.GatewayError;
import dev.switchboard.api.Usage;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.ModelSpec;
import dev.switchboard.providers.Json;
import dev.switchboard.providers.anthropic.AnthropicMapper;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.function.Supplier;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Respond: writes the answer (or the error) in the caller's wire format with the {@code x-switchboard-*}
 * headers, after dropping every other header so nothing internal or from the caller is echoed back.
 */
final class RespondStage {
    private static final Logger LOG = LoggerFactory.getLogger(RespondStage.class);
    private final Supplier<Catalog> catalog;
    private final RecordStage record;
    private final CacheStage cache;

    RespondStage(Supplier<Catalog> catalog, RecordStage record, CacheStage cache) {
        this.catalog = catalog;
        this.record = record;
        this.cache = cache;
    }

    void chat(Exchange exchange) {
        RequestContext ctx = exchange.getVariable(RequestContext.VARIABLE, RequestContext.class);
        Object answer = exchange.getVariable(ModelCall.ANSWER);
        exchange.removeVariable(ModelCall.ANSWER);
        Message m = exchange.getMessage();
        headers(m, ctx, 200);
        record.answering(ctx);
        if (answer instanceof ModelCall.StreamingAnswer streaming) {
            m.setHeader(Exchange.CONTENT_TYPE, "text/event-stream");
            m.setHeader("Cache-Control", "no-cache");
            StreamSink sink = exchange.getVariable(StreamSink.VARIABLE, StreamSink.class);
            record.relaying(ctx);
            m.setBody(new StreamRelay(streaming, sink, ctx, record, cache.keeper(exchange, ctx)));
            return;
        }
        ChatResponse response = (ChatResponse) answer;
        ctx.answer = response;
        ctx.usage = response.usage();
        cache.store(exchange, ctx, response);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setBody(json(ctx, response));
        record.finish(ctx);
    }

    /**
     * A cache hit: the stored answer in the caller's format (a replayed stream when it asked for one), recorded
     * as {@code cache_hit} at no cost with the cost it saved as a tag; its budget reservation is released.
     */
    void cached(Exchange exchange) {
        RequestContext ctx = exchange.getVariable(RequestContext.VARIABLE, RequestContext.class);
        CacheStage.Entry hit = exchange.getVariable(CacheStage.HIT, CacheStage.Entry.class);
        exchange.removeVariable(CacheStage.HIT);
        ctx.servedModelName = hit.servedModelName();
        ctx.servedModel = hit.servedModel();
        ctx.servedProvider = hit.servedProvider();
        ctx.outcome = "cache_hit";
        ctx.usage = Usage.NONE;
        ctx.tags.add(CacheStage.savingTag(hit));
        ctx.answer = hit.response();
        Message m = exchange.getMessage();
        headers(m, ctx, 200);
        record.answering(ctx);
        if (ctx.stream) {
            m.setHeader(Exchange.CONTENT_TYPE, "text/event-stream");
            m.setHeader("Cache-Control", "no-cache");
            m.setBody(CachedStream.sse(StreamEncoder.of(ctx), hit.response()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } else {
            m.setHeader(Exchange.CONTENT_TYPE, "application/json");
            m.setBody(json(ctx, hit.response()));
        }
        record.finish(ctx);
    }

    private static byte[] json(RequestContext ctx, ChatResponse response) {
        return switch (ctx.frontDoor) {
            case ANTHROPIC -> Json.bytes(ctx.providerAnswer != null ? ctx.providerAnswer
                    : AnthropicMapper.toAnthropicResponse(response.body(), ctx.servedModelName));
            case RESPONSES -> ctx.responses.json(ctx, response);
            case OPENAI -> Json.bytes(response.body());
        };
    }

    /**
     * {@code POST /v1/messages/count_tokens}: Anthropic's {@code {"input_tokens": N}}, counted by the gateway in the
     * tokens of the model named (see {@link dev.switchboard.tokens.TokenCounter}: exact for OpenAI's models, an
     * estimate that errs high for the others), the same count its budgets and limits use; no provider is called.
     */
    void countTokens(Exchange exchange) {
        RequestContext ctx = exchange.getVariable(RequestContext.VARIABLE, RequestContext.class);
        ObjectNode canonical = exchange.getVariable(FormatStage.COUNT_BODY, ObjectNode.class);
        long tokens = new PromptTokens().forName(new dev.switchboard.api.ChatRequest(ctx.requestedModel, canonical, false, false),
                ctx.requestedModel, catalog.get());
        Message m = exchange.getMessage();
        headers(m, ctx, 200);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setBody(Json.bytes(JsonNodeFactory.instance.objectNode().put("input_tokens", tokens)));
        record.finish(ctx);
    }

    /** {@code GET}/{@code DELETE /v1/responses/{id}}: the caller's own stored response (or its deletion), else 404. */
    void storedResponse(Exchange exchange, ResponsesDoor door) {
        RequestContext ctx = exchange.getVariable(RequestContext.VARIABLE, RequestContext.class);
        ObjectNode body = door.stored(ctx, exchange);
        Message m = exchange.getMessage();
        headers(m, ctx, 200);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setBody(Json.bytes(body));
        record.finish(ctx);
    }

    void embeddings(Exchange exchange) {
        RequestContext ctx = exchange.getVariable(RequestContext.VARIABLE, RequestContext.class);
        ObjectNode answer = exchange.getVariable(ModelCall.ANSWER, ObjectNode.class);
        exchange.removeVariable(ModelCall.ANSWER);
        ctx.usage = Usage.fromOpenAi(answer.get("usage"));
        Message m = exchange.getMessage();
        headers(m, ctx, 200);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setBody(Json.bytes(answer));
        record.finish(ctx);
    }

    void models(Exchange exchange) {
        RequestContext ctx = exchange.getVariable(RequestContext.VARIABLE, RequestContext.class);
        Catalog cat = catalog.get();
        ObjectNode list = JsonNodeFactory.instance.objectNode();
        list.put("object", "list");
        ArrayNode data = list.putArray("data");
        for (ModelSpec model : cat.callableModels()) {
            ObjectNode item = data.addObject();
            item.put("id", model.id());
            item.put("object", "model");
            item.put("created", 0);
            item.put("owned_by", model.provider());
            item.put("context_window", model.contextWindow());
            if (model.info().baseModel() != null) {
                item.put("fine_tuned_from", model.info().baseModel());
            }
            ArrayNode caps = item.putArray("capabilities");
            model.capabilities().stream().sorted().forEach(caps::add);
        }
        Message m = exchange.getMessage();
        headers(m, ctx, 200);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setBody(Json.bytes(list));
        record.finish(ctx);
    }

    /** Feedback stored: 201 with what was stored (the agent's key never appears). */
    void feedback(Exchange exchange) {
        RequestContext ctx = exchange.getVariable(RequestContext.VARIABLE, RequestContext.class);
        Message m = exchange.getMessage();
        headers(m, ctx, 201);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setBody(Json.bytes(exchange.getVariable(FeedbackStage.STORED, ObjectNode.class)));
        record.finish(ctx);
    }

    /** The error path of every stage: an OpenAI-shaped body, the right status, and still one usage row. */
    void error(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        RequestContext ctx = exchange.getVariable(RequestContext.VARIABLE, RequestContext.class);
        if (ctx == null) {
            ctx = FormatStage.begin(exchange, "unknown");
        }
        GatewayError error = cause instanceof GatewayError ge ? ge : internal(ctx, cause);
        closeOpenStream(exchange);
        ctx.status = error.status();
        ctx.outcome = error.code() != null ? error.code() : error.type();
        ctx.error = error.getMessage();
        Message m = exchange.getMessage();
        headers(m, ctx, error.status());
        if (error.retryAfterSeconds() >= 0) {
            m.setHeader("Retry-After", Long.toString(error.retryAfterSeconds()));
        }
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setBody(Json.bytes(ctx.frontDoor == RequestContext.FrontDoor.ANTHROPIC
                ? ErrorBodies.anthropic(error.status(), error.getMessage())
                : ErrorBodies.openAi(error.getMessage(), error.type(), error.param(), error.code())));
        record.finish(ctx);
    }

    private static GatewayError internal(RequestContext ctx, Throwable cause) {
        LOG.error("Request {} failed inside the gateway", ctx.requestId, cause);
        return new GatewayError(500, "server_error", "internal_error", null,
                "Internal gateway error; the gateway log has the details under request id " + ctx.requestId);
    }

    private static void closeOpenStream(Exchange exchange) {
        Object answer = exchange.getVariable(ModelCall.ANSWER);
        if (answer instanceof ModelCall.StreamingAnswer streaming) {
            streaming.rest().close();
        }
        exchange.removeVariable(ModelCall.ANSWER);
    }

    private static void headers(Message m, RequestContext ctx, int status) {
        m.removeHeaders("*");
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        m.setHeader("x-switchboard-request-id", ctx.requestId);
        m.setHeader("x-switchboard-model", headerValue(ctx.servedModelName));
        m.setHeader("x-switchboard-provider", ctx.servedProvider == null ? "" : ctx.servedProvider.id());
        m.setHeader("x-switchboard-rule", headerValue(ctx.rule));
        m.setHeader("x-switchboard-attempts", Integer.toString(ctx.attempts.size()));
        m.setHeader("x-switchboard-status", Integer.toString(status));
        ctx.extraHeaders.forEach(m::setHeader);
    }

    /**
     * A name as a header value: printable ASCII as it is, anything else (and {@code %}) percent-encoded as UTF-8. A rule's
     * name may hold any character ({@code rule "a\\nb"}); a line break in a header failed every response the rule
     * routed, and other non-ASCII characters came out garbled.
     */
    private static String headerValue(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length());
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            if (b >= ' ' && b < 0x7f && b != '%') {
                out.append((char) b);
            } else {
                out.append('%').append(HexFormat.of().withUpperCase().toHexDigits(b));
            }
        }
        return out.toString();
    }
}
