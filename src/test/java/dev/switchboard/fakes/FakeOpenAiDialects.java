package dev.switchboard.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One fake for the providers that speak OpenAI's chat completions with their own quirks, chosen at
 * {@link #start(Dialect)} (shared/providers/{xai-grok,deepseek,perplexity,lmstudio}.md). Each dialect answers
 * on the paths its provider's SDK uses ({@link #baseUrl()}) and reproduces what its provider is documented to do:
 * <ul>
 *   <li>{@link Dialect#XAI}: flat errors {@code {"code","error"}}; a missing or {@link #BAD_KEY} key is a
 *       <em>400</em> "Incorrect API key"; usage counts reasoning outside {@code completion_tokens}.</li>
 *   <li>{@link Dialect#DEEPSEEK}: {@code : keep-alive} lines before the first chunk and blank lines before a
 *       whole body; {@code reasoning_content} (message and deltas); usage {@code prompt_cache_hit_tokens} 4 /
 *       {@code prompt_cache_miss_tokens} 7; {@code code} always {@code invalid_request_error}.</li>
 *   <li>{@link Dialect#PERPLEXITY}: {@code citations} and {@code search_results} on the body and on every chunk;
 *       chunks with object {@code chat.completion}, cumulative {@code message}, running {@code usage}
 *       ({@code num_search_queries} 1, {@code citation_tokens}, {@code cost}) and no {@code [DONE]}; numeric
 *       error codes; a missing key is a 401 HTML page; no models listing (404).</li>
 *   <li>{@link Dialect#LMSTUDIO}: no key needed; stream errors as {@code event: error} +
 *       {@code {"type":"error","error":{"type":...}}}; "No models loaded" 404; embeddings with 0 tokens.</li>
 * </ul>
 * Behaviour is chosen by the body's {@code model}, with the failure models of {@link FakeOpenAi} so that one
 * conformance matrix runs against every dialect: {@code fake-500}, {@code fake-503}, {@code fake-429},
 * {@code fake-400}, {@code fake-context}, {@code fake-hang}, {@code fake-slow}, {@code fake-garbage},
 * {@code fake-cut}, {@code fake-cut-clean}, {@code fake-stream-error}, {@code fake-filter}; plus per dialect
 * {@code fake-credits} (xAI), {@code fake-balance} and {@code fake-resource} (DeepSeek),
 * {@code fake-invalid-model} (Perplexity), {@code fake-unloaded}, {@code fake-stream-invalid} and
 * {@code fake-stream-missing} (LM Studio). Any other model answers "Hello from &lt;model&gt;" in 3 pieces, a tool
 * call when {@code tools} is set and the last message is from the user (Perplexity ignores tools), and
 * "Tool result received: ..." after a tool message. Every request is recorded before it is answered.
 */
public final class FakeOpenAiDialects extends FakeServer {

    /** The provider whose quirks the fake reproduces; the path prefix is where its SDK's base URL points. */
    public enum Dialect {
        XAI("/v1", true),
        /** {@code https://api.deepseek.com}; the {@code /v1} form is accepted too. */
        DEEPSEEK("", true),
        /** {@code https://api.perplexity.ai}; the {@code /v1} form is accepted too. */
        PERPLEXITY("", true),
        /** A local server: no key checked. */
        LMSTUDIO("/v1", false);

        private final String basePath;
        private final boolean checksKey;

        Dialect(String basePath, boolean checksKey) {
            this.basePath = basePath;
            this.checksKey = checksKey;
        }
    }

    /** The key every dialect that checks keys refuses (as it refuses a missing one). */
    public static final String BAD_KEY = "bad-key";
    public static final int PROMPT_TOKENS = 11;
    public static final int COMPLETION_TOKENS = 7;
    /** xAI: reasoning reported beside completion_tokens, so total = 11 + 7 + 5. */
    public static final int XAI_REASONING_TOKENS = 5;
    public static final int XAI_CACHED_TOKENS = 3;
    /** DeepSeek: hit + miss = prompt; reasoning is inside completion_tokens, as with OpenAI. */
    public static final int DEEPSEEK_CACHE_HIT_TOKENS = 4;
    public static final int DEEPSEEK_CACHE_MISS_TOKENS = 7;
    public static final int DEEPSEEK_REASONING_TOKENS = 3;
    public static final List<String> DEEPSEEK_REASONING_PIECES = List.of("Thinking", " it over.");
    public static final int PERPLEXITY_CITATION_TOKENS = 120;
    public static final int PERPLEXITY_SEARCH_QUERIES = 1;
    public static final List<String> CITATIONS = List.of("https://example.com/stars", "https://example.org/galaxy");
    /** FakeOpenAi's tool call, which writes it for every dialect. */
    public static final String TOOL_CALL_ID = FakeOpenAi.TOOL_CALL_ID;
    public static final String TOOL_ARGUMENTS = FakeOpenAi.TOOL_ARGUMENTS;
    public static final String NO_MODELS_LOADED =
            "No models loaded. Please load a model in the developer page or use the `lms load` command.";
    /** How many keep-alive comments DeepSeek sends while the request waits for a slot. */
    private static final int DEEPSEEK_KEEP_ALIVES = 2;

    /** What a successful chat answer contains. {@code toolName != null} means a tool call. */
    private record Answer(List<String> pieces, String toolName, String finishReason) {}

    private final Dialect dialect;
    private final AtomicInteger ids = new AtomicInteger();

    private FakeOpenAiDialects(Dialect dialect) {
        super("fake-" + dialect.name().toLowerCase(Locale.ROOT) + "-", "FakeOpenAiDialects(" + dialect + ")");
        this.dialect = dialect;
    }

    public static FakeOpenAiDialects start(Dialect dialect) {
        return serve(new FakeOpenAiDialects(dialect));
    }

    public Dialect dialect() {
        return dialect;
    }

    /** The base the provider's SDK uses: {@code .../v1} for xAI and LM Studio, the bare host for the others. */
    @Override
    public String baseUrl() {
        return origin() + dialect.basePath;
    }

    // ---------------------------------------------------------------- dispatch

    /** The JSON "model" of chat/embeddings requests, else null. */
    @Override
    protected String modelOf(String method, String path, String body) {
        return isChat(method, path) || isEmbeddings(method, path) ? jsonModel(body) : null;
    }

    private boolean isChat(String method, String path) {
        return "POST".equals(method) && "/chat/completions".equals(route(path));
    }

    /** Only LM Studio serves embeddings. */
    private boolean isEmbeddings(String method, String path) {
        return "POST".equals(method) && "/embeddings".equals(route(path)) && dialect == Dialect.LMSTUDIO;
    }

    @Override
    protected void dispatch(HttpExchange ex, Recorded rec) throws IOException {
        String method = rec.method();
        String path = rec.path();
        boolean chat = isChat(method, path);
        boolean embeddings = isEmbeddings(method, path);
        boolean models = "GET".equals(method) && "/models".equals(route(path));
        JsonNode json = chat || embeddings ? jsonObject(rec.body()) : null;
        String model = rec.model();

        if (!chat && !embeddings && !models) {
            markUnexpected(rec);
            sendError(ex, 404, "Invalid URL (" + method + " " + path + ")", "invalid_request_error");
        } else if (dialect.checksKey && !keyAccepted(rec)) {
            refuseKey(ex);
        } else if (models) {
            models(ex);
        } else if (json == null) {
            sendError(ex, 400, "We could not parse the JSON body of your request.", "invalid_request_error");
        } else if (model == null) {
            sendError(ex, 400, "you must provide a model parameter", "invalid_request_error");
        } else {
            boolean stream = chat && json.path("stream").asBoolean(false);
            if (answerByFailureModel(ex, model, stream)) {
                return;
            }
            if (chat) {
                chat(ex, json, model, stream);
            } else {
                embeddings(ex, json, model);
            }
        }
    }

    /** The path below the provider's base; DeepSeek and Perplexity also answer under {@code /v1}. */
    private String route(String path) {
        if (!dialect.basePath.isEmpty()) {
            return path.startsWith(dialect.basePath + "/") ? path.substring(dialect.basePath.length()) : "";
        }
        return path.startsWith("/v1/") ? path.substring(3) : path;
    }

    private static boolean keyAccepted(Recorded rec) {
        String auth = rec.header("authorization");
        return auth != null && auth.startsWith("Bearer ") && !auth.substring(7).isBlank()
                && !auth.substring(7).equals(BAD_KEY);
    }

    /** Each provider refuses a key its own way. */
    private void refuseKey(HttpExchange ex) throws IOException {
        switch (dialect) {
            case XAI -> sendError(ex, 400, "Incorrect API key provided: ba***ey. You can obtain an API key from "
                    + "https://console.x.ai.", "invalid_request_error");
            case DEEPSEEK -> sendError(ex, 401, "Authentication Fails, Your api key: ****-key is invalid",
                    "authentication_error");
            case PERPLEXITY -> sendText(ex, 401, "text/html", "<html>\r\n<head><title>401 Authorization Required</title>"
                    + "</head>\r\n<body>\r\n<center><h1>401 Authorization Required</h1></center>\r\n<hr><center>"
                    + "openresty/1.27.4</center>\r\n</body>\r\n</html>\r\n");
            case LMSTUDIO -> throw new IllegalStateException("LM Studio checks no key");
        }
    }

    /** Handles the models that fail the same way on every endpoint. Returns true when answered. */
    private boolean answerByFailureModel(HttpExchange ex, String model, boolean stream) throws IOException {
        switch (model) {
            case "fake-500" -> sendError(ex, 500, "The server had an error while processing your request.", "server_error");
            case "fake-503" -> sendError(ex, 503, "Service temporarily overloaded, please try again later", "server_error");
            case "fake-429" -> sendError(ex, 429, "Rate limit reached for requests", "rate_limit_exceeded");
            case "fake-400" -> sendError(ex, 400, "Invalid 'messages': bad request from fake", "invalid_request_error");
            case "fake-context" -> sendError(ex, 400, contextMessage(), "invalid_request_error");
            case "fake-hang" -> hang();
            case "fake-garbage" -> sendText(ex, 200, "text/html", BAD_GATEWAY_HTML);
            case "fake-slow" -> {
                pause(SLOW_DELAY_MS);
                return false;
            }
            default -> {
                return answerByDialectFailure(ex, model, stream);
            }
        }
        return true;
    }

    private boolean answerByDialectFailure(HttpExchange ex, String model, boolean stream) throws IOException {
        if (dialect == Dialect.XAI && model.equals("fake-credits")) {
            sendError(ex, 429, "Your team 0b4f9e2c-6d1a-4f1e-9d7e-3c2b1a0f9e8d has either used all available credits "
                    + "or reached its monthly spending limit. To continue making API requests, please purchase more "
                    + "credits or raise your spending limit.", "rate_limit_exceeded");
        } else if (dialect == Dialect.DEEPSEEK && model.equals("fake-balance")) {
            sendError(ex, 402, "Insufficient Balance", "unknown_error");
        } else if (dialect == Dialect.PERPLEXITY && model.equals("fake-invalid-model")) {
            sendError(ex, 400, "Invalid model '" + model + "'. Permitted models can be found in the documentation at "
                    + "https://docs.perplexity.ai/guides/model-cards.", "invalid_model");
        } else if (dialect == Dialect.LMSTUDIO && model.equals("fake-unloaded")) {
            // wrapper unverified; the plain string form is the one an OpenAI-only parser would miss
            sendJson(ex, 404, JSON.createObjectNode().put("error", NO_MODELS_LOADED));
        } else if ("fake-stream-error".equals(model) && !stream) {
            sendError(ex, 500, "The server had an error while processing your request.", "server_error");
        } else if (model.startsWith("fake-cut") && !stream) {
            cutShort(ex, "application/json", "{\"id\":\"chatcmpl-fake"); // 20 of the 500 bytes announced
        } else {
            return false;
        }
        return true;
    }

    private String contextMessage() {
        return switch (dialect) {
            case XAI -> "This model's maximum prompt length is 131072 but the request contains 907154 tokens.";
            case DEEPSEEK -> "This model's maximum context length is 131072 tokens. However, you requested 131134 "
                    + "tokens (122942 in the messages, 8192 in the completion). Please reduce the length of the "
                    + "messages or completion.";
            // Perplexity's wording is unverified: a message about the context and its tokens
            case PERPLEXITY -> "The request exceeds the model's context window: 130000 tokens requested, 127072 allowed.";
            case LMSTUDIO -> "Trying to keep the first 130000 tokens when context the overflows. However, the model is "
                    + "loaded with context length of 4096 tokens, which is not enough. Try to load the model with a "
                    + "larger context length, or provide a shorter input";
        };
    }

    // ---------------------------------------------------------------- chat completions

    private void chat(HttpExchange ex, JsonNode req, String model, boolean stream) throws IOException {
        JsonNode messages = req.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            sendError(ex, 400, "Missing required parameter: 'messages'.", "invalid_request_error");
            return;
        }
        String id = "chatcmpl-fake-" + ids.incrementAndGet();
        long created = System.currentTimeMillis() / 1000;
        Answer answer = answerFor(req, model);
        if (stream) {
            boolean includeUsage = req.path("stream_options").path("include_usage").asBoolean(false);
            streamChat(ex, new Sse(ex, id, created, model, includeUsage), model, answer);
            return;
        }
        ObjectNode message = JSON.createObjectNode().put("role", "assistant");
        if (answer.toolName() != null) {
            message.putNull("content");
            message.putArray("tool_calls").add(FakeOpenAi.toolCall(null, answer.toolName(), TOOL_ARGUMENTS));
        } else {
            message.put("content", String.join("", answer.pieces()));
        }
        if (dialect == Dialect.DEEPSEEK) {
            message.put("reasoning_content", String.join("", DEEPSEEK_REASONING_PIECES));
        }
        ObjectNode choice = JSON.createObjectNode().put("index", 0);
        choice.set("message", message);
        if (dialect == Dialect.PERPLEXITY) {
            choice.putObject("delta").put("role", "assistant").put("content", ""); // harmless leftover of its streams
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", answer.finishReason());
        ObjectNode resp = JSON.createObjectNode().put("id", id).put("object", "chat.completion")
                .put("created", created).put("model", model);
        resp.putArray("choices").add(choice);
        resp.set("usage", usage(COMPLETION_TOKENS));
        addSearch(resp);
        byte[] bytes = JSON.writeValueAsBytes(resp);
        if (dialect == Dialect.DEEPSEEK) {
            // DeepSeek holds a waiting request open with empty lines, then sends the body after them
            bytes = ("\n\n" + new String(bytes, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        }
        send(ex, 200, "application/json", bytes);
    }

    private Answer answerFor(JsonNode req, String model) {
        JsonNode messages = req.path("messages");
        JsonNode last = messages.get(messages.size() - 1);
        String lastRole = last.path("role").asText("");
        JsonNode tools = req.path("tools");
        if ("fake-filter".equals(model)) {
            return new Answer(List.of(), null, "content_filter");
        }
        if ("fake-resource".equals(model) && dialect == Dialect.DEEPSEEK) {
            return new Answer(List.of("Hel"), null, "insufficient_system_resource");
        }
        // Sonar has no function calling; gateways drop the tools and it answers in text
        if (dialect != Dialect.PERPLEXITY && tools.isArray() && !tools.isEmpty() && "user".equals(lastRole)) {
            return new Answer(List.of(), tools.get(0).path("function").path("name").asText("tool"), "tool_calls");
        }
        if ("tool".equals(lastRole)) {
            return new Answer(List.of("Tool result received: ", last.path("content").asText("")), null, "stop");
        }
        return new Answer(List.of("Hello", " from ", model), null, "stop");
    }

    private void streamChat(HttpExchange ex, Sse sse, String model, Answer answer) throws IOException {
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        startStream(ex, "text/event-stream; charset=utf-8");
        if (dialect == Dialect.DEEPSEEK) {
            for (int i = 0; i < DEEPSEEK_KEEP_ALIVES; i++) {
                sse.comment("keep-alive");
            }
        }
        if (dialect == Dialect.LMSTUDIO && (model.equals("fake-stream-invalid") || model.equals("fake-stream-missing"))) {
            boolean missing = model.equals("fake-stream-missing");
            sse.errorEvent(missing ? "model_not_found" : "invalid_request",
                    missing ? "Model \"" + model + "\" not found" : "\"model\" is invalid");
            return;
        }
        if (answer.toolName() != null && !model.startsWith("fake-cut") && !"fake-stream-error".equals(model)) {
            FakeOpenAi.streamToolCall(sse, answer.toolName(), answer.finishReason());
            return;
        }
        sse.delta(JSON.createObjectNode().put("role", "assistant").put("content", ""), null);
        switch (model) {
            case "fake-cut", "fake-cut-clean" -> {
                sse.delta(JSON.createObjectNode().put("content", "Hel"), null);
                if ("fake-cut".equals(model)) {
                    pause(CUT_DELAY_MS);
                    throw new AbruptClose();
                }
            }
            case "fake-stream-error" -> {
                sse.delta(JSON.createObjectNode().put("content", "partial"), null);
                if (dialect == Dialect.LMSTUDIO) {
                    sse.errorEvent("internal_error", "upstream exploded");
                } else {
                    sse.data(errorBody(500, "upstream exploded", "server_error").toString());
                }
            }
            default -> {
                if (dialect == Dialect.DEEPSEEK) {
                    // the reasoner thinks first (content null), then answers (reasoning_content null)
                    for (String piece : DEEPSEEK_REASONING_PIECES) {
                        sse.delta(JSON.createObjectNode().putNull("content").put("reasoning_content", piece), null);
                    }
                }
                for (String piece : answer.pieces()) {
                    ObjectNode delta = JSON.createObjectNode().put("content", piece);
                    if (dialect == Dialect.DEEPSEEK) {
                        delta.putNull("reasoning_content");
                    }
                    sse.delta(delta, null);
                }
                sse.finish(answer.finishReason());
            }
        }
    }

    /** Writes SSE events, flushing each one, in the dialect's chunk shape. */
    private final class Sse implements FakeOpenAi.ChunkWriter {
        private final OutputStream out;
        private final String id;
        private final long created;
        private final String model;
        private final boolean includeUsage;
        /** Perplexity repeats the text so far in each chunk's {@code message}. */
        private final StringBuilder soFar = new StringBuilder();
        private int contentChunks;

        Sse(HttpExchange ex, String id, long created, String model, boolean includeUsage) {
            this.out = ex.getResponseBody();
            this.id = id;
            this.created = created;
            this.model = model;
            this.includeUsage = includeUsage;
        }

        private ObjectNode chunk() {
            // Perplexity's chunks call themselves whole completions (observed on its stream)
            String object = dialect == Dialect.PERPLEXITY ? "chat.completion" : "chat.completion.chunk";
            return JSON.createObjectNode().put("id", id).put("object", object).put("created", created)
                    .put("model", model);
        }

        @Override
        public void delta(ObjectNode delta, String finishReason) throws IOException {
            ObjectNode choice = JSON.createObjectNode().put("index", 0);
            if (dialect == Dialect.PERPLEXITY) {
                soFar.append(delta.path("content").asText(""));
                choice.putObject("message").put("role", "assistant").put("content", soFar.toString());
            }
            choice.set("delta", delta);
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason);
            ObjectNode chunk = chunk();
            chunk.putArray("choices").add(choice);
            if (dialect == Dialect.PERPLEXITY) {
                // running counts on every chunk; the finishing chunk has the totals
                if (!delta.path("content").asText("").isEmpty()) {
                    contentChunks++;
                }
                int completion = finishReason != null ? COMPLETION_TOKENS : Math.min(contentChunks, COMPLETION_TOKENS);
                chunk.set("usage", usage(completion));
                addSearch(chunk);
            } else if (includeUsage) {
                chunk.putNull("usage");
            }
            data(chunk.toString());
        }

        /** Finish chunk, then the usage chunk (when asked) and [DONE]; Perplexity stops at the finish chunk. */
        @Override
        public void finish(String finishReason) throws IOException {
            delta(JSON.createObjectNode(), finishReason);
            if (dialect == Dialect.PERPLEXITY) {
                return;
            }
            if (includeUsage) {
                ObjectNode chunk = chunk();
                chunk.putArray("choices");
                chunk.set("usage", usage(COMPLETION_TOKENS));
                data(chunk.toString());
            }
            data("[DONE]");
        }

        /** LM Studio's named error event ({@code chat.end} is not sent on the OpenAI-compatible surface). */
        void errorEvent(String type, String message) throws IOException {
            ObjectNode event = JSON.createObjectNode().put("type", "error");
            event.putObject("error").put("type", type).put("message", message);
            write("event: error\ndata: " + event + "\n\n");
        }

        void comment(String text) throws IOException {
            write(": " + text + "\n\n");
        }

        void data(String payload) throws IOException {
            write("data: " + payload + "\n\n");
        }

        private void write(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    /** The dialect's usage object for an answer of {@code completion} tokens so far. */
    private ObjectNode usage(int completion) {
        ObjectNode usage = JSON.createObjectNode().put("prompt_tokens", PROMPT_TOKENS).put("completion_tokens", completion);
        switch (dialect) {
            case XAI -> {
                usage.put("total_tokens", PROMPT_TOKENS + completion + XAI_REASONING_TOKENS);
                usage.putObject("prompt_tokens_details").put("text_tokens", PROMPT_TOKENS).put("audio_tokens", 0)
                        .put("image_tokens", 0).put("cached_tokens", XAI_CACHED_TOKENS);
                usage.putObject("completion_tokens_details").put("reasoning_tokens", XAI_REASONING_TOKENS)
                        .put("audio_tokens", 0).put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
                usage.put("num_sources_used", 0);
            }
            case DEEPSEEK -> {
                usage.put("total_tokens", PROMPT_TOKENS + completion);
                usage.put("prompt_cache_hit_tokens", DEEPSEEK_CACHE_HIT_TOKENS)
                        .put("prompt_cache_miss_tokens", DEEPSEEK_CACHE_MISS_TOKENS);
                usage.putObject("prompt_tokens_details").put("cached_tokens", DEEPSEEK_CACHE_HIT_TOKENS);
                usage.putObject("completion_tokens_details").put("reasoning_tokens", DEEPSEEK_REASONING_TOKENS);
            }
            case PERPLEXITY -> {
                usage.put("total_tokens", PROMPT_TOKENS + completion).put("search_context_size", "low")
                        .put("citation_tokens", PERPLEXITY_CITATION_TOKENS)
                        .put("num_search_queries", PERPLEXITY_SEARCH_QUERIES).put("reasoning_tokens", 0);
                usage.putObject("cost").put("input_tokens_cost", 0.0).put("output_tokens_cost", 0.0)
                        .put("request_cost", 0.005).put("total_cost", 0.005);
            }
            case LMSTUDIO -> usage.put("total_tokens", PROMPT_TOKENS + completion);
        }
        return usage;
    }

    /** Perplexity's search fields, on the body and on every chunk. */
    private void addSearch(ObjectNode node) {
        if (dialect != Dialect.PERPLEXITY) {
            return;
        }
        ArrayNode citations = node.putArray("citations");
        CITATIONS.forEach(citations::add);
        ArrayNode results = node.putArray("search_results");
        for (int i = 0; i < CITATIONS.size(); i++) {
            results.addObject().put("title", "Source " + (i + 1)).put("url", CITATIONS.get(i))
                    .put("date", "2023-12-25").put("snippet", "About 100-400 billion stars.").put("source", "web");
        }
    }

    // ---------------------------------------------------------------- embeddings and models

    private void embeddings(HttpExchange ex, JsonNode req, String model) throws IOException {
        JsonNode input = req.get("input");
        List<String> items = new ArrayList<>();
        if (input != null && input.isTextual()) {
            items.add(input.asText());
        } else if (input != null && input.isArray()) {
            input.forEach(e -> items.add(e.isTextual() ? e.asText() : e.toString()));
        }
        if (items.isEmpty()) {
            sendError(ex, 400, "Missing required parameter: 'input'.", "invalid_request_error");
            return;
        }
        ObjectNode resp = JSON.createObjectNode().put("object", "list");
        ArrayNode data = resp.putArray("data");
        for (int i = 0; i < items.size(); i++) {
            ArrayNode values = data.addObject().put("object", "embedding").put("index", i).putArray("embedding");
            for (float f : vectorFor(items.get(i))) {
                values.add(f);
            }
        }
        resp.put("model", model);
        resp.putObject("usage").put("prompt_tokens", 0).put("total_tokens", 0); // LM Studio may report 0
        sendJson(ex, 200, resp);
    }

    private void models(HttpExchange ex) throws IOException {
        List<String> ids = switch (dialect) {
            case XAI -> List.of("grok-4", "grok-3-mini");
            case DEEPSEEK -> List.of("deepseek-chat", "deepseek-reasoner");
            case LMSTUDIO -> List.of("qwen2.5-7b-instruct", "text-embedding-nomic-embed-text-v1.5");
            case PERPLEXITY -> null;
        };
        if (ids == null) {
            sendError(ex, 404, "Not Found", "not_found"); // Perplexity has no models listing
            return;
        }
        String owner = switch (dialect) {
            case XAI -> "xai";
            case DEEPSEEK -> "deepseek";
            default -> "organization_owner";
        };
        ObjectNode list = JSON.createObjectNode().put("object", "list");
        ArrayNode data = list.putArray("data");
        ids.forEach(id -> data.addObject().put("id", id).put("object", "model").put("created", 1700000000L)
                .put("owned_by", owner));
        sendJson(ex, 200, list);
    }

    // ---------------------------------------------------------------- low-level

    /**
     * The dialect's error body. xAI is flat, with a gRPC status description as its {@code code}; Perplexity's
     * {@code code} is the HTTP status as a number; DeepSeek's {@code code} is always {@code invalid_request_error}.
     */
    private ObjectNode errorBody(int status, String message, String type) {
        ObjectNode root = JSON.createObjectNode();
        switch (dialect) {
            case XAI -> root.put("code", grpcDescription(status)).put("error", message);
            case PERPLEXITY -> root.putObject("error").put("message", message).put("type", type).put("code", status);
            case DEEPSEEK -> root.putObject("error").put("message", message).put("type", type).putNull("param")
                    .put("code", "invalid_request_error");
            case LMSTUDIO -> root.putObject("error").put("message", message).put("type", type).putNull("param")
                    .putNull("code");
        }
        return root;
    }

    private static String grpcDescription(int status) {
        return switch (status) {
            case 400 -> "Client specified an invalid argument";
            case 401 -> "The request does not have valid authentication credentials";
            case 403 -> "The caller does not have permission to execute the specified operation";
            case 404 -> "Some requested entity was not found";
            case 429 -> "Some resource has been exhausted";
            case 503 -> "The service is currently unavailable";
            default -> "Internal error";
        };
    }

    private void sendError(HttpExchange ex, int status, String message, String type) throws IOException {
        sendJson(ex, status, errorBody(status, message, type));
    }

    /** Only whole bodies carry an x-request-id (streams and cuts do not); its counter is the completion ids'. */
    @Override
    protected void send(HttpExchange ex, int status, String contentType, byte[] bytes) throws IOException {
        ex.getResponseHeaders().set("x-request-id", "req_fake_" + ids.incrementAndGet());
        super.send(ex, status, contentType, bytes);
    }
}
