package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatResponse;
import dev.switchboard.api.GatewayError;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.providers.Json;
import dev.switchboard.recording.Attempt;
import dev.switchboard.recording.UsageRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;

/**
 * The model test panel: one prompt sent through the pipeline to one model, pinned (no rule reroutes it, no fallback
 * answers for it), streamed so the time to the first token is the real one, and recorded like any request: entry
 * {@value #ENTRY}, caller {@code management:<token name>}. Answers what the panel shows: the answer, latency, time
 * to first token, tokens and cost.
 */
public final class ModelTester {
    /** The usage rows' entry of test-panel requests. */
    public static final String ENTRY = "management";
    static final String ENDPOINT = "direct:model-test";
    static final String CALLER = "sbTestCaller";
    /** A test prompt's length at most; characters. */
    public static final int MAX_PROMPT_CHARS = 32_000;
    /** Fields of the request the panel sets itself, never taken from the caller's parameters. */
    private static final Set<String> OWN_FIELDS = Set.of("model", "messages", "stream", "stream_options");

    private final CamelContext camel;
    private final ProducerTemplate producer;
    private final Supplier<Catalog> catalog;

    ModelTester(CamelContext camel, Supplier<Catalog> catalog) {
        this.camel = camel;
        this.producer = camel.createProducerTemplate();
        this.catalog = catalog;
    }

    /** Sends {@code body} ({"prompt", "parameters"?}) to catalog model {@code model}, on behalf of token {@code principal}. */
    public ObjectNode run(String model, JsonNode body, String principal) {
        if (catalog.get().model(model).isEmpty()) {
            throw GatewayError.modelNotFound("No model '" + model + "' in the catalog; GET /admin/api/catalog/models lists them");
        }
        ObjectNode request = request(model, body);
        Exchange exchange = new DefaultExchange(camel);
        exchange.setVariable("entry", ENTRY);
        exchange.setVariable(CALLER, "management:" + principal);
        DiscardingSink sink = new DiscardingSink();
        exchange.setVariable(StreamSink.VARIABLE, sink);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setBody(Json.bytes(request));
        producer.send(ENDPOINT, exchange);
        Object answerBody = exchange.getMessage().getBody();
        if (answerBody instanceof InputStream relay) {
            drain(relay); // relays the stream into the sink and records the request
        }
        RequestContext ctx = exchange.getVariable(RequestContext.VARIABLE, RequestContext.class);
        return result(ctx, answerBody);
    }

    private static ObjectNode request(String model, JsonNode body) {
        JsonNode prompt = body.path("prompt");
        if (!prompt.isTextual() || prompt.asText().isBlank() || prompt.asText().length() > MAX_PROMPT_CHARS) {
            throw GatewayError.badRequest("prompt", "'prompt' is the text to send: 1.." + MAX_PROMPT_CHARS + " characters");
        }
        ObjectNode request = JsonNodeFactory.instance.objectNode();
        JsonNode parameters = body.path("parameters");
        if (!parameters.isMissingNode() && !parameters.isNull()) {
            if (!parameters.isObject()) {
                throw GatewayError.badRequest("parameters", "'parameters' is an object of request parameters ({\"temperature\": 0.2})");
            }
            parameters.fields().forEachRemaining(e -> {
                if (!OWN_FIELDS.contains(e.getKey())) {
                    request.set(e.getKey(), e.getValue());
                }
            });
        }
        request.put("model", model).put("stream", true);
        request.putObject("stream_options").put("include_usage", true);
        request.putArray("messages").addObject().put("role", "user").put("content", prompt.asText());
        return request;
    }

    private static ObjectNode result(RequestContext ctx, Object answerBody) {
        UsageRecord row = ctx.toRecord();
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("requestId", row.requestId()).put("status", row.status()).put("outcome", row.outcome())
                .put("model", row.model()).put("provider", row.provider())
                .put("latencyMs", row.latencyMs()).put("ttftMs", row.ttftMs() < 0 ? null : row.ttftMs())
                .put("promptTokens", row.promptTokens()).put("completionTokens", row.completionTokens())
                .put("totalTokens", row.totalTokens()).put("costUsd", row.costUsd());
        // The simulator bills nothing; what the same tokens cost at the model's price says what a real call would.
        out.put("listPriceUsd", ctx.servedModel == null ? 0 : ctx.servedModel.price().cost(ctx.usage));
        ChatResponse whole = ctx.transcript.response(ctx.usage);
        String text = whole == null ? null : whole.body().path("choices").path(0).path("message").path("content").asText(null);
        out.put("answer", text);
        if (row.status() != 200) {
            JsonNode error = answerBody instanceof byte[] bytes ? Json.parseOrNull(bytes) : null;
            out.put("error", error == null ? row.error() : error.path("error").path("message").asText(row.error()));
        } else if (row.error() != null) {
            out.put("error", row.error());
        }
        ArrayNode attempts = out.putArray("attempts");
        for (Attempt a : row.attempts()) {
            attempts.add(Json.MAPPER.valueToTree(a));
        }
        return out;
    }

    private static void drain(InputStream relay) {
        try (relay) {
            relay.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new IllegalStateException("the test answer could not be read: " + e.getMessage(), e);
        }
    }

    /** The panel reads the answer from the request's transcript once the relay is done: the events are not kept. */
    private static final class DiscardingSink implements StreamSink {
        @Override
        public boolean write(String data) {
            return true;
        }

        @Override
        public void onCallerGone(Runnable action) {
            // the panel never leaves before the answer ends
        }
    }
}
