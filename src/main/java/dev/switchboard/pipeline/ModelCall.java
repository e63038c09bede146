package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.ChatRequest;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ChatResponse;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.catalog.ProviderSpec;
import dev.switchboard.catalog.Secret;
import dev.switchboard.pipeline.RequestContext.Target;
import dev.switchboard.providers.Adapters;
import dev.switchboard.resilience.ModelHealth;
import dev.switchboard.providers.ProviderAdapter;
import dev.switchboard.providers.ProviderAdapter.Credentials;
import dev.switchboard.providers.Json;
import dev.switchboard.providers.SameWireFormat;
import dev.switchboard.providers.StreamDecoder;
import dev.switchboard.providers.UpstreamRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * Call: the two steps around camel-http inside a model's circuit breaker. {@link #prepare} turns the request
 * into the provider's wire format (all caller headers dropped: only the provider key goes out);
 * {@link #read} classifies the answer. Failures that say the model is unwell are thrown so the breaker
 * counts them; the caller's own mistakes are handed back as a variable so they never open a breaker.
 */
final class ModelCall {
    static final String TARGET = "sbTarget";
    static final String ANSWER = "sbAnswer";
    static final String FAILURE = "sbFailure";
    /** Set when the breaker let the call through; absent after a send means the breaker was open. */
    static final String CALLED = "sbCalled";
    static final String REQUEST = "sbUpstreamRequest";
    /** Set when the chain retries on content filter and has another model: a filtered answer is then a failure. */
    static final String FILTER_FALLS_BACK = "sbFilterFallsBack";
    /** An upstream error body larger than this is not read further: only its start is classified. */
    static final int MAX_ERROR_BODY = 64 * 1024;
    /** A whole (non-stream) answer larger than this fails the attempt instead of filling the heap. */
    static final int MAX_ANSWER_BYTES = 16 * 1024 * 1024;

    private final Adapters adapters;
    private final ModelHealth health;

    ModelCall(Adapters adapters, ModelHealth health) {
        this.adapters = adapters;
        this.health = health;
    }

    /**
     * The provider's wire format for one target, built outside the breaker: a request this provider cannot
     * take (a parameter it lacks, a part it cannot carry) is the caller's problem, not the model's health.
     */
    UpstreamRequest translate(RequestContext ctx, Target target, Exchange exchange) {
        ProviderAdapter adapter = adapters.forType(target.provider().type());
        Secret key = target.provider().apiKey();
        Credentials credentials = new Credentials(target.provider().baseUrl(), key == null ? null : key.reveal());
        noteDroppedParameters(ctx, target, adapter);
        ctx.passThrough = ctx.callerBody != null && adapter instanceof SameWireFormat same && same.wireFormat().equals(callerFormat(ctx))
                && !ProviderSpec.SIMULATOR.equals(target.provider().id()); // the built-in simulator speaks chat completions only
        ctx.providerAnswer = null;
        if (ctx.passThrough) {
            ChatRequest canonical = withModelDefaults(forTarget(ctx, target), target);
            return ((SameWireFormat) adapter).toChatRequest(callerBody(ctx, canonical, target), ctx.callerHeaders,
                    canonical, target.upstreamId(), credentials);
        }
        noteUntranslatable(ctx, target);
        if (ctx.frontDoor == RequestContext.FrontDoor.RESPONSES) {
            dev.switchboard.responses.ResponsesRequest.refuseHostedTools(ctx.request.body());
        }
        return ctx.operation.equals("embeddings")
                ? adapter.toEmbeddingsRequest(exchange.getVariable("embeddingsBody", ObjectNode.class), target.upstreamId(), credentials)
                : adapter.toChatRequest(withModelDefaults(forTarget(ctx, target), target), target.upstreamId(), credentials);
    }

    /**
     * The caller's body for a provider of its format. A Responses request gets the pipeline's changes here, as the
     * Responses API is read in package {@code responses}, which adapters may not use; Anthropic's adapter applies them.
     */
    private static ObjectNode callerBody(RequestContext ctx, ChatRequest canonical, Target target) {
        return ctx.frontDoor == RequestContext.FrontDoor.RESPONSES
                ? dev.switchboard.responses.ResponsesPassThrough.request(ctx.callerBody, canonical.body(), target.upstreamId())
                : ctx.callerBody;
    }

    /** The wire format of {@link RequestContext#callerBody}: its front door's. */
    private static String callerFormat(RequestContext ctx) {
        return ctx.frontDoor == RequestContext.FrontDoor.RESPONSES ? "responses" : "anthropic";
    }

    /**
     * Context transfer: the whole conversation (as fitted to this model's window, see {@link ContextStage}) goes to
     * every model of the chain, unless the chain says {@code preserveContext: false}; then a fallback model gets the
     * system prompt and the last user turn only.
     */
    private static ChatRequest forTarget(RequestContext ctx, Target target) {
        ChatRequest request = ctx.fitted != null ? ctx.fitted : ctx.request;
        if (ctx.chainSpec == null || ctx.chainSpec.preserveContext() || ctx.chain.isEmpty()
                || ctx.chain.get(0).name().equals(target.name())) {
            return request;
        }
        com.fasterxml.jackson.databind.node.ArrayNode kept = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        com.fasterxml.jackson.databind.JsonNode lastUser = null;
        for (com.fasterxml.jackson.databind.JsonNode m : request.messages()) {
            String role = m.path("role").asText();
            if (role.equals("system") || role.equals("developer")) {
                kept.add(m);
            } else if (role.equals("user")) {
                lastUser = m;
            }
        }
        if (lastUser == null) {
            return request;
        }
        kept.add(lastUser);
        return request.withParam("messages", kept);
    }

    /**
     * An Anthropic-shaped request served by another provider: what only Anthropic can take ({@code thinking},
     * {@code top_k}, {@code mcp_servers}, server tools, thinking blocks) is dropped, with the same note.
     */
    private static void noteUntranslatable(RequestContext ctx, Target target) {
        if (ctx.callerBody == null || ctx.frontDoor != RequestContext.FrontDoor.ANTHROPIC) {
            return;
        }
        List<String> dropped = dev.switchboard.providers.anthropic.AnthropicPassThrough.untranslatable(ctx.callerBody);
        String note = "dropped:" + String.join("+", dropped) + "@" + target.name();
        if (!dropped.isEmpty() && !ctx.tags.contains(note)) {
            ctx.tags.add(note);
        }
    }

    /** Context transfer: parameters the next provider lacks are dropped with a note in the record, never an error. */
    private static void noteDroppedParameters(RequestContext ctx, Target target, ProviderAdapter adapter) {
        java.util.Set<String> supported = adapter.supportedParameters();
        if (supported == null || ctx.request == null) {
            return;
        }
        List<String> dropped = new java.util.ArrayList<>();
        ctx.request.body().fieldNames().forEachRemaining(f -> {
            if (!supported.contains(f)) {
                dropped.add(f);
            }
        });
        if (!dropped.isEmpty()) {
            String note = "dropped:" + String.join("+", dropped) + "@" + target.name();
            if (!ctx.tags.contains(note)) {
                ctx.tags.add(note);
            }
        }
    }

    /** Inside the breaker: only caller-free headers and the translated body go out. */
    void prepare(Exchange exchange) {
        exchange.setVariable(CALLED, Boolean.TRUE);
        UpstreamRequest request = exchange.getVariable(REQUEST, UpstreamRequest.class);
        Message m = exchange.getMessage();
        m.removeHeaders("*");
        request.headers().forEach(m::setHeader);
        if (exchange.getVariable(RequestContext.VARIABLE, RequestContext.class).stream) {
            // Uncompressed, a stream stays the HTTP client's own body, which UpstreamStream.cancel can drop at once.
            m.setHeader("Accept-Encoding", "identity");
        }
        m.setHeader(Exchange.HTTP_METHOD, request.method());
        m.setHeader(Exchange.HTTP_URI, request.url());
        m.setBody(request.body());
        exchange.removeVariable(ANSWER);
        exchange.removeVariable(FAILURE);
    }

    void read(Exchange exchange) {
        RequestContext ctx = exchange.getVariable(RequestContext.VARIABLE, RequestContext.class);
        Target target = exchange.getVariable(TARGET, Target.class);
        ProviderAdapter adapter = adapters.forType(target.provider().type());
        Message m = exchange.getMessage();
        int status = m.getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        InputStream body = m.getBody(InputStream.class);
        health.headers(PipelineRoutes.breakerKey(target), name -> m.getHeader(name, String.class));
        try {
            if (status < 200 || status >= 300) {
                byte[] bytes = readAll(body, MAX_ERROR_BODY);
                throw adapter.classify(status, name -> m.getHeader(name, String.class), bytes);
            }
            if (ctx.operation.equals("embeddings")) {
                exchange.setVariable(ANSWER, adapter.fromEmbeddingsResponse(readAnswer(body),
                        exchange.getVariable("embeddingsBody", ObjectNode.class), target.name()));
            } else if (!ctx.stream) {
                byte[] bytes = readAnswer(body);
                ChatResponse answer = ctx.passThrough ? ((SameWireFormat) adapter).fromWireResponse(bytes) : adapter.fromChatResponse(bytes);
                if ("content_filter".equals(answer.finishReason()) && filterFallsBack(exchange)) {
                    throw new ProviderFailure(FailureClass.CONTENT_FILTER, "the provider filtered the answer");
                }
                if (ctx.passThrough) {
                    ctx.providerAnswer = (ObjectNode) Json.parseOrNull(bytes); // parsed as an object by fromChatResponse already
                }
                exchange.setVariable(ANSWER, answer);
            } else {
                StreamDecoder decoder = ctx.passThrough ? ((SameWireFormat) adapter).relayDecoder() : adapter.streamDecoder();
                UpstreamStream stream = new UpstreamStream(body, decoder, takeOverResponseClose(exchange));
                try {
                    long deadline = System.nanoTime() + firstByteTimeoutNanos(target);
                    List<ChatChunk> first = stream.readUntilContent(deadline);
                    if (filteredBeforeAnyText(first) && filterFallsBack(exchange)) {
                        throw new ProviderFailure(FailureClass.CONTENT_FILTER, "the provider filtered the answer before its first word");
                    }
                    exchange.setVariable(ANSWER, new StreamingAnswer(first, stream));
                } catch (RuntimeException e) {
                    stream.close();
                    throw e;
                }
            }
        } catch (ProviderFailure failure) {
            clear(m);
            if (failure.failureClass().countsAgainstBreaker()) {
                throw failure;
            }
            // Not the model's health (the caller's request, a filter, a missing model): the breaker records a success.
            exchange.setVariable(FAILURE, failure);
            return;
        }
        clear(m);
    }

    /**
     * camel-http closes its response when the unit of work that made the call is done, which is before the
     * relay has read the stream. Its close is moved to a holder that runs when the stream itself is closed.
     */
    private static Runnable takeOverResponseClose(Exchange exchange) {
        if (exchange.getUnitOfWork() == null) {
            return () -> { };
        }
        Exchange holder = new org.apache.camel.support.DefaultExchange(exchange.getContext());
        exchange.getUnitOfWork().handoverSynchronization(holder,
                s -> s.getClass().getName().startsWith("org.apache.camel.component.http."));
        return () -> {
            List<org.apache.camel.spi.Synchronization> closes = holder.getExchangeExtension().handoverCompletions();
            if (closes != null) {
                closes.forEach(c -> c.onComplete(holder));
            }
        };
    }

    private static boolean filterFallsBack(Exchange exchange) {
        return Boolean.TRUE.equals(exchange.getVariable(FILTER_FALLS_BACK));
    }

    /** A stream whose first visible event is a content-filter finish, with no text or tool call before it. */
    private static boolean filteredBeforeAnyText(List<ChatChunk> chunks) {
        boolean filtered = false;
        for (ChatChunk c : chunks) {
            var delta = c.json().path("choices").path(0).path("delta");
            if (delta.path("content").asText("").length() > 0 || delta.path("tool_calls").size() > 0) {
                return false;
            }
            filtered |= "content_filter".equals(c.finishReason());
        }
        return filtered;
    }

    /** A stream that has started: its first chunks, already read, and the rest still to come. */
    record StreamingAnswer(List<ChatChunk> first, UpstreamStream rest) {
    }

    private static ChatRequest withModelDefaults(ChatRequest request, Target target) {
        if (target.model() == null || target.model().defaults().isEmpty()) {
            return request;
        }
        ChatRequest result = request;
        var fields = target.model().defaults().fields();
        while (fields.hasNext()) {
            var e = fields.next();
            if (!request.body().has(e.getKey())) {
                result = result.withParam(e.getKey(), e.getValue());
            }
        }
        return result;
    }

    private static long firstByteTimeoutNanos(Target target) {
        return (target.model() == null ? dev.switchboard.catalog.ModelSpec.DEFAULT_FIRST_BYTE_TIMEOUT
                : target.model().firstByteTimeout()).toNanos();
    }

    private static void clear(Message m) {
        m.removeHeaders("*");
        m.setBody(null);
    }

    /** A successful answer, read whole up to {@link #MAX_ANSWER_BYTES}; one byte more makes it a failed attempt. */
    private static byte[] readAnswer(InputStream in) {
        if (in == null) {
            return new byte[0];
        }
        try (in) {
            byte[] bytes = in.readNBytes(MAX_ANSWER_BYTES + 1);
            if (bytes.length > MAX_ANSWER_BYTES) {
                abort(in);
                throw new ProviderFailure(FailureClass.SERVER_ERROR, "the provider's answer is larger than "
                        + MAX_ANSWER_BYTES / (1024 * 1024) + " MiB (response too large)");
            }
            return bytes;
        } catch (IOException e) {
            throw readFailure(e);
        }
    }

    /** Drops the connection of an answer read only in part: closing would read the rest of the body first. */
    private static void abort(InputStream in) throws IOException {
        if (in instanceof org.apache.hc.core5.http.io.EofSensorInputStream sensor) {
            sensor.abort();
        }
    }

    private static byte[] readAll(InputStream in, int max) {
        if (in == null) {
            return new byte[0];
        }
        try (in) {
            byte[] bytes = in.readNBytes(max);
            if (bytes.length == max) {
                abort(in); // an error body longer than its start is not read to its end
            }
            return bytes;
        } catch (IOException e) {
            throw readFailure(e);
        }
    }

    private static ProviderFailure readFailure(IOException e) {
        return e instanceof java.net.SocketTimeoutException
                ? new ProviderFailure(FailureClass.TIMEOUT, "the provider stopped sending its answer (idle timeout)")
                : new ProviderFailure(FailureClass.SERVER_ERROR, "the provider's answer was cut short: " + e.getMessage());
    }
}
