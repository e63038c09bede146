package dev.switchboard.fakes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake of Google's Gemini Developer API (generateContent, streamGenerateContent, batchEmbedContents,
 * embedContent, models) on 127.0.0.1, built on the JDK {@link HttpServer}, speaking Gemini's wire format:
 * camelCase JSON, pretty-printed bodies, SSE with CRLF framing and no [DONE] ({@code ?alt=sse}; without it a
 * JSON array, as the real endpoint does), Google RPC error bodies, and a bad key answered 400. Reference:
 * /work/shared/providers/gemini.md. Behaviour is chosen by the model in the URL ({@code /v1beta/models/{model}:method}):
 * <ul>
 *   <li>any other model: success "Hello from &lt;model&gt;" (streamed as 3 pieces), usage 11 prompt, 7 candidates,
 *       2 thoughts, 4 cached, 20 total; a functionCall ({@code args {"city":"Boston"}}, finishReason STOP) when
 *       {@code tools} are declared and the last user turn is not a functionResponse; "Tool result received: ..."
 *       when it is</li>
 *   <li>{@code fake-500} (INTERNAL), {@code fake-503} (UNAVAILABLE), {@code fake-429} (RESOURCE_EXHAUSTED with
 *       RetryInfo 1s), {@code fake-quota-day} (RESOURCE_EXHAUSTED, per-day quota, no RetryInfo), {@code fake-400},
 *       {@code fake-context} (token count too large), {@code fake-auth} (400 API_KEY_INVALID): error bodies</li>
 *   <li>{@code fake-safety}: 200, candidate finishReason SAFETY; {@code fake-blocked}: 200, no candidates,
 *       promptFeedback.blockReason SAFETY</li>
 *   <li>{@code fake-hang}: never answers until {@link #close()} (or 120 s); {@code fake-garbage}: 200 with HTML</li>
 *   <li>{@code fake-cut}: streams "Hel" then drops the connection (non-stream: body cut short)</li>
 *   <li>{@code fake-stream-error}: streams "partial" then an {@code {"error":...}} event (non-stream: like fake-500)</li>
 * </ul>
 * A request without {@code x-goog-api-key} (or {@code ?key=}) gets 400 API_KEY_INVALID. Every request is
 * recorded (header names lower-cased) before it is answered; unknown paths are answered 404 and listed in
 * {@link #unexpected()}.
 */
public final class FakeGemini extends FakeServer {

    public static final String API_KEY_HEADER = "x-goog-api-key";
    public static final String TOOL_ARGUMENTS = "{\"city\":\"Boston\"}";
    /** Gemini 2.5 signs the function calls of thinking models; clients must echo it on the next turn. */
    public static final String THOUGHT_SIGNATURE = "ZmFrZS10aG91Z2h0LXNpZ25hdHVyZQ==";
    public static final int PROMPT_TOKENS = 11;
    public static final int CANDIDATES_TOKENS = 7;
    public static final int THOUGHTS_TOKENS = 2;
    public static final int CACHED_TOKENS = 4;
    public static final int TOTAL_TOKENS = PROMPT_TOKENS + CANDIDATES_TOKENS + THOUGHTS_TOKENS;
    /** The models listing; the first is a chat model, the second an embedding model. */
    public static final List<String> LISTED_MODELS = List.of("gemini-2.5-flash", "gemini-embedding-001");

    private static final String PREFIX = "/v1beta/models";
    private static final Set<String> CHAT_METHODS = Set.of("generateContent", "streamGenerateContent");
    private static final Set<String> EMBED_METHODS = Set.of("embedContent", "batchEmbedContents");
    /** Top-level fields of GenerateContentRequest; anything else is refused, as the real API does. */
    private static final Set<String> REQUEST_FIELDS = Set.of("contents", "systemInstruction", "tools", "toolConfig",
            "safetySettings", "generationConfig", "cachedContent", "labels");
    private static final Set<String> GENERATION_CONFIG_FIELDS = Set.of("temperature", "topP", "topK", "maxOutputTokens",
            "stopSequences", "candidateCount", "responseMimeType", "responseSchema", "responseJsonSchema",
            "presencePenalty", "frequencyPenalty", "seed", "responseLogprobs", "logprobs", "thinkingConfig",
            "responseModalities", "speechConfig", "mediaResolution");

    /** What a successful answer holds: text pieces, or a function call named {@code toolName}. */
    private record Answer(List<String> pieces, String toolName) {}

    private final AtomicInteger responseIds = new AtomicInteger();

    private FakeGemini() {
        super("fake-gemini-", "FakeGemini");
    }

    public static FakeGemini start() {
        return serve(new FakeGemini());
    }

    @Override
    public String baseUrl() {
        return origin() + "/v1beta";
    }

    // ---------------------------------------------------------------- dispatch

    /** The {model} of {@code /v1beta/models/{model}:method}, else null: Gemini names the model in the URL. */
    @Override
    protected String modelOf(String method, String path, String body) {
        String[] call = modelCall(path);
        return call == null ? null : call[0];
    }

    /**
     * {@code {model, rpc}} of {@code /v1beta/models/{model}:{rpc}} (rpc null without a colon), or null for other
     * paths; the model id itself never contains ':'.
     */
    private static String[] modelCall(String path) {
        if (!path.startsWith(PREFIX + "/")) {
            return null;
        }
        String rest = path.substring(PREFIX.length() + 1);
        int colon = rest.lastIndexOf(':');
        return colon < 0 ? new String[] {rest, null} : new String[] {rest.substring(0, colon), rest.substring(colon + 1)};
    }

    @Override
    protected void dispatch(HttpExchange ex, Recorded rec) throws IOException {
        String method = rec.method();
        String path = rec.path();
        String query = rec.query();
        String model = rec.model();
        String[] call = modelCall(path);
        String rpc = call == null ? null : call[1];

        boolean list = "GET".equals(method) && PREFIX.equals(path);
        boolean chat = "POST".equals(method) && rpc != null && CHAT_METHODS.contains(rpc);
        boolean embed = "POST".equals(method) && rpc != null && EMBED_METHODS.contains(rpc);
        if (!list && !chat && !embed) {
            markUnexpected(rec);
            sendError(ex, 404, "NOT_FOUND", "Method not found.", null);
            return;
        }
        if (isBlank(rec.header(API_KEY_HEADER)) && queryParam(query, "key") == null) {
            apiKeyInvalid(ex);
            return;
        }
        if (list) {
            listModels(ex);
            return;
        }
        ObjectNode json = jsonObject(rec.body());
        if (json == null) {
            sendError(ex, 400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unexpected token.", null);
            return;
        }
        boolean stream = "streamGenerateContent".equals(rpc);
        boolean sse = stream && "sse".equals(queryParam(query, "alt"));
        if (answerByFailureModel(ex, model, stream, sse)) {
            return;
        }
        if (chat) {
            chat(ex, json, model, stream, sse);
        } else if ("batchEmbedContents".equals(rpc)) {
            batchEmbed(ex, json, model);
        } else {
            embedOne(ex, json);
        }
    }

    /** Handles the models that fail the same way on every endpoint. Returns true when answered. */
    private boolean answerByFailureModel(HttpExchange ex, String model, boolean stream, boolean sse) throws IOException {
        switch (model) {
            case "fake-500" -> internalError(ex);
            case "fake-503" -> sendError(ex, 503, "UNAVAILABLE", "The model is overloaded. Please try again later.", null);
            case "fake-429" -> {
                ArrayNode details = quotaDetails("GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                        "generativelanguage.googleapis.com/generate_content_free_tier_requests");
                details.addObject().put("@type", "type.googleapis.com/google.rpc.RetryInfo").put("retryDelay", "1s");
                sendError(ex, 429, "RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan and "
                        + "billing details. For more information on this error, head to: "
                        + "https://ai.google.dev/gemini-api/docs/rate-limits.", details);
            }
            case "fake-quota-day" -> sendError(ex, 429, "RESOURCE_EXHAUSTED", "You exceeded your current quota, please "
                    + "check your plan and billing details.", quotaDetails("GenerateRequestsPerDayPerProjectPerModel-FreeTier",
                    "generativelanguage.googleapis.com/generate_content_free_tier_requests"));
            case "fake-400" -> sendError(ex, 400, "INVALID_ARGUMENT", "Request contains an invalid argument.", null);
            case "fake-context" -> sendError(ex, 400, "INVALID_ARGUMENT",
                    "The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).", null);
            case "fake-auth" -> apiKeyInvalid(ex);
            case "fake-hang" -> hang();
            case "fake-garbage" -> sendText(ex, 200, "text/html; charset=UTF-8", BAD_GATEWAY_HTML);
            default -> {
                if ("fake-stream-error".equals(model) && !stream) {
                    internalError(ex);
                } else if ("fake-cut".equals(model) && !sse) {
                    cutShort(ex, "application/json; charset=UTF-8", "{\n  \"candidates\": [");
                } else {
                    return false;
                }
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- generateContent

    private void chat(HttpExchange ex, ObjectNode req, String model, boolean stream, boolean sse) throws IOException {
        String invalid = invalidRequest(req);
        if (invalid != null) {
            sendError(ex, 400, "INVALID_ARGUMENT", invalid, null);
            return;
        }
        String responseId = "fake-response-" + responseIds.incrementAndGet();
        List<ObjectNode> chunks = switch (model) {
            case "fake-safety" -> List.of(safetyStopped(model, responseId));
            case "fake-blocked" -> List.of(blockedPrompt(model, responseId));
            default -> stream ? streamedAnswer(answerFor(req, model), model, responseId)
                    : List.of(wholeAnswer(answerFor(req, model), model, responseId));
        };
        if (!stream) {
            sendJson(ex, 200, chunks.get(0));
        } else if (!sse) {
            // The trap gemini.md warns about: without alt=sse the stream is one chunked JSON array.
            ArrayNode array = JSON.createArrayNode();
            chunks.forEach(array::add);
            sendJson(ex, 200, array);
        } else {
            streamSse(ex, model, chunks);
        }
    }

    /** The checks the real API makes that an adapter could get wrong; null when the request is acceptable. */
    private static String invalidRequest(ObjectNode req) {
        for (Iterator<String> names = req.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!REQUEST_FIELDS.contains(name)) {
                return "Invalid JSON payload received. Unknown name \"" + name + "\": Cannot find field.";
            }
        }
        for (Iterator<String> names = req.path("generationConfig").fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!GENERATION_CONFIG_FIELDS.contains(name)) {
                return "Invalid JSON payload received. Unknown name \"" + name + "\" at 'generation_config': Cannot find field.";
            }
        }
        JsonNode contents = req.path("contents");
        if (!contents.isArray() || contents.isEmpty()) {
            return "* GenerateContentRequest.contents: contents is not specified\n";
        }
        for (JsonNode content : contents) {
            String role = content.path("role").asText("user");
            if (!role.equals("user") && !role.equals("model")) {
                return "Please use a valid role: user, model.";
            }
            if (!content.path("parts").isArray() || content.path("parts").isEmpty()) {
                return "* GenerateContentRequest.contents.parts: contents.parts must not be empty.\n";
            }
        }
        for (JsonNode declaration : req.path("tools").path(0).path("functionDeclarations")) {
            if (declaration.has("parameters") && declaration.has("parametersJsonSchema")) {
                return "parameters and parametersJsonSchema are mutually exclusive.";
            }
        }
        return null;
    }

    private static Answer answerFor(JsonNode req, String model) {
        JsonNode contents = req.path("contents");
        JsonNode last = contents.get(contents.size() - 1);
        for (JsonNode part : last.path("parts")) {
            if (part.has("functionResponse")) {
                JsonNode response = part.get("functionResponse").path("response");
                String result = response.path("content").isTextual() ? response.get("content").asText() : response.toString();
                return new Answer(List.of("Tool result received: ", result), null);
            }
        }
        JsonNode declarations = req.path("tools").path(0).path("functionDeclarations");
        if (declarations.isArray() && !declarations.isEmpty() && "user".equals(last.path("role").asText("user"))) {
            return new Answer(List.of(), declarations.get(0).path("name").asText("tool"));
        }
        return new Answer(List.of("Hello", " from ", model), null);
    }

    private ObjectNode wholeAnswer(Answer answer, String model, String responseId) {
        ArrayNode parts = JSON.createArrayNode();
        if (answer.toolName() != null) {
            parts.add(functionCallPart(answer.toolName()));
        } else {
            parts.addObject().put("text", String.join("", answer.pieces()));
        }
        return response(candidate(parts, "STOP"), usage(CANDIDATES_TOKENS, true), model, responseId);
    }

    /** Text in its pieces, or the whole function call in one chunk, as Gemini streams them. */
    private List<ObjectNode> streamedAnswer(Answer answer, String model, String responseId) {
        List<ObjectNode> chunks = new ArrayList<>();
        if (answer.toolName() != null) {
            ArrayNode parts = JSON.createArrayNode().add(functionCallPart(answer.toolName()));
            chunks.add(response(candidate(parts, "STOP"), usage(CANDIDATES_TOKENS, true), model, responseId));
            return chunks;
        }
        List<String> pieces = switch (model) {
            case "fake-cut" -> List.of("Hel");
            case "fake-stream-error" -> List.of("partial");
            default -> answer.pieces();
        };
        for (int i = 0; i < pieces.size(); i++) {
            // fake-cut and fake-stream-error break off before their final chunk.
            boolean last = i == pieces.size() - 1 && !model.equals("fake-cut") && !model.equals("fake-stream-error");
            ArrayNode parts = JSON.createArrayNode();
            parts.addObject().put("text", pieces.get(i));
            // Earlier chunks carry running totals; only the last one's usage is final.
            chunks.add(response(candidate(parts, last ? "STOP" : null), usage(last ? CANDIDATES_TOKENS : i + 1, last),
                    model, responseId));
        }
        return chunks;
    }

    private void streamSse(HttpExchange ex, String model, List<ObjectNode> chunks) throws IOException {
        startStream(ex, "text/event-stream");
        OutputStream out = ex.getResponseBody();
        for (ObjectNode chunk : chunks) {
            data(out, chunk);
        }
        switch (model) {
            case "fake-cut" -> {
                // A real cut comes some time after the first content; dropping the socket at once can reset it
                // before the client has read the bytes already sent.
                pause(CUT_DELAY_MS);
                throw new AbruptClose();
            }
            case "fake-stream-error" -> data(out, errorBody(500, "INTERNAL",
                    "An internal error has occurred. Please retry or report in "
                            + "https://developers.generativeai.google/guide/troubleshooting", null));
            default -> { } // Gemini just ends the stream: no [DONE]
        }
    }

    /** One SSE event, CRLF-framed like Google's front end, one compact JSON object per event. */
    private static void data(OutputStream out, JsonNode payload) throws IOException {
        out.write(("data: " + JSON.writeValueAsString(payload) + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static ObjectNode functionCallPart(String name) {
        ObjectNode part = JSON.createObjectNode();
        ObjectNode call = part.putObject("functionCall").put("name", name);
        try {
            call.set("args", JSON.readTree(TOOL_ARGUMENTS));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        part.put("thoughtSignature", THOUGHT_SIGNATURE);
        return part;
    }

    private static ObjectNode candidate(ArrayNode parts, String finishReason) {
        ObjectNode candidate = JSON.createObjectNode();
        ObjectNode content = candidate.putObject("content");
        content.set("parts", parts);
        content.put("role", "model");
        if (finishReason != null) {
            candidate.put("finishReason", finishReason);
        }
        candidate.put("index", 0);
        return candidate;
    }

    private static ObjectNode response(ObjectNode candidate, ObjectNode usage, String model, String responseId) {
        ObjectNode resp = JSON.createObjectNode();
        resp.putArray("candidates").add(candidate);
        resp.set("usageMetadata", usage);
        resp.put("modelVersion", model).put("responseId", responseId);
        return resp;
    }

    /** usageMetadata; {@code complete} adds what only the final chunk reports (thoughts and cache). */
    private static ObjectNode usage(int candidatesTokens, boolean complete) {
        ObjectNode usage = JSON.createObjectNode().put("promptTokenCount", PROMPT_TOKENS)
                .put("candidatesTokenCount", candidatesTokens);
        int total = PROMPT_TOKENS + candidatesTokens;
        if (complete) {
            usage.put("cachedContentTokenCount", CACHED_TOKENS).put("thoughtsTokenCount", THOUGHTS_TOKENS);
            total += THOUGHTS_TOKENS;
        }
        usage.put("totalTokenCount", total);
        usage.putArray("promptTokensDetails").addObject().put("modality", "TEXT").put("tokenCount", PROMPT_TOKENS);
        return usage;
    }

    private static ObjectNode safetyStopped(String model, String responseId) {
        ObjectNode candidate = JSON.createObjectNode().put("finishReason", "SAFETY").put("index", 0);
        candidate.set("safetyRatings", ratings(true));
        ObjectNode resp = JSON.createObjectNode();
        resp.putArray("candidates").add(candidate);
        resp.set("usageMetadata", JSON.createObjectNode().put("promptTokenCount", PROMPT_TOKENS)
                .put("totalTokenCount", PROMPT_TOKENS));
        return resp.put("modelVersion", model).put("responseId", responseId);
    }

    private static ObjectNode blockedPrompt(String model, String responseId) {
        ObjectNode resp = JSON.createObjectNode();
        ObjectNode feedback = resp.putObject("promptFeedback").put("blockReason", "SAFETY");
        feedback.set("safetyRatings", ratings(false));
        resp.set("usageMetadata", JSON.createObjectNode().put("promptTokenCount", PROMPT_TOKENS)
                .put("totalTokenCount", PROMPT_TOKENS));
        return resp.put("modelVersion", model).put("responseId", responseId);
    }

    private static ArrayNode ratings(boolean markBlocked) {
        ArrayNode ratings = JSON.createArrayNode();
        ratings.addObject().put("category", "HARM_CATEGORY_HATE_SPEECH").put("probability", "NEGLIGIBLE");
        ObjectNode high = ratings.addObject().put("category", "HARM_CATEGORY_DANGEROUS_CONTENT").put("probability", "HIGH");
        if (markBlocked) {
            high.put("blocked", true);
        }
        ratings.addObject().put("category", "HARM_CATEGORY_HARASSMENT").put("probability", "NEGLIGIBLE");
        ratings.addObject().put("category", "HARM_CATEGORY_SEXUALLY_EXPLICIT").put("probability", "NEGLIGIBLE");
        return ratings;
    }

    // ---------------------------------------------------------------- embeddings and models

    private void batchEmbed(HttpExchange ex, JsonNode req, String model) throws IOException {
        JsonNode items = req.path("requests");
        if (!items.isArray() || items.isEmpty()) {
            sendError(ex, 400, "INVALID_ARGUMENT", "* BatchEmbedContentsRequest.requests: requests is not specified\n", null);
            return;
        }
        ObjectNode resp = JSON.createObjectNode();
        ArrayNode embeddings = resp.putArray("embeddings");
        for (JsonNode item : items) {
            // Each entry repeats the model, and it must be the one in the URL.
            if (!("models/" + model).equals(item.path("model").asText())) {
                sendError(ex, 400, "INVALID_ARGUMENT", "Model '" + item.path("model").asText()
                        + "' in a request does not match the model 'models/" + model + "' of the batch.", null);
                return;
            }
            embeddings.addObject().set("values", values(textOf(item.path("content"))));
        }
        sendJson(ex, 200, resp);
    }

    private void embedOne(HttpExchange ex, JsonNode req) throws IOException {
        ObjectNode resp = JSON.createObjectNode();
        resp.putObject("embedding").set("values", values(textOf(req.path("content"))));
        sendJson(ex, 200, resp);
    }

    private static String textOf(JsonNode content) {
        StringBuilder sb = new StringBuilder();
        content.path("parts").forEach(p -> sb.append(p.path("text").asText("")));
        return sb.toString();
    }

    private static ArrayNode values(String text) {
        ArrayNode values = JSON.createArrayNode();
        for (float f : vectorFor(text)) {
            values.add(f);
        }
        return values;
    }

    private void listModels(HttpExchange ex) throws IOException {
        ObjectNode resp = JSON.createObjectNode();
        ArrayNode models = resp.putArray("models");
        for (String id : LISTED_MODELS) {
            boolean embedding = id.contains("embedding");
            ObjectNode m = models.addObject().put("name", "models/" + id).put("baseModelId", id).put("version", "001")
                    .put("displayName", id).put("description", "Fake " + id)
                    .put("inputTokenLimit", embedding ? 2048 : 1048576).put("outputTokenLimit", embedding ? 1 : 65536);
            ArrayNode methods = m.putArray("supportedGenerationMethods");
            if (embedding) {
                methods.add("embedContent").add("countTextTokens").add("countTokens");
            } else {
                methods.add("generateContent").add("countTokens").add("createCachedContent").add("batchGenerateContent");
                m.put("temperature", 1.0).put("topP", 0.95).put("topK", 64).put("maxTemperature", 2.0).put("thinking", true);
            }
        }
        sendJson(ex, 200, resp);
    }

    // ---------------------------------------------------------------- failure helpers

    private void internalError(HttpExchange ex) throws IOException {
        sendError(ex, 500, "INTERNAL", "An internal error has occurred. Please retry or report in "
                + "https://developers.generativeai.google/guide/troubleshooting", null);
    }

    /** Gemini's answer to a bad or missing key: 400, not 401, told apart only by the ErrorInfo reason. */
    private void apiKeyInvalid(HttpExchange ex) throws IOException {
        ArrayNode details = JSON.createArrayNode();
        ObjectNode info = details.addObject().put("@type", "type.googleapis.com/google.rpc.ErrorInfo")
                .put("reason", "API_KEY_INVALID").put("domain", "googleapis.com");
        info.putObject("metadata").put("service", "generativelanguage.googleapis.com");
        details.addObject().put("@type", "type.googleapis.com/google.rpc.LocalizedMessage").put("locale", "en-US")
                .put("message", "API key not valid. Please pass a valid API key.");
        sendError(ex, 400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", details);
    }

    private static ArrayNode quotaDetails(String quotaId, String quotaMetric) {
        ArrayNode details = JSON.createArrayNode();
        ObjectNode failure = details.addObject().put("@type", "type.googleapis.com/google.rpc.QuotaFailure");
        ObjectNode violation = failure.putArray("violations").addObject().put("quotaMetric", quotaMetric).put("quotaId", quotaId);
        violation.putObject("quotaDimensions").put("location", "global").put("model", "gemini-2.5-flash");
        violation.put("quotaValue", "10");
        ObjectNode help = details.addObject().put("@type", "type.googleapis.com/google.rpc.Help");
        help.putArray("links").addObject().put("description", "Learn more about Gemini API quotas")
                .put("url", "https://ai.google.dev/gemini-api/docs/rate-limits");
        return details;
    }

    // ---------------------------------------------------------------- low-level

    private static ObjectNode errorBody(int code, String status, String message, ArrayNode details) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error").put("code", code).put("message", message).put("status", status);
        if (details != null) {
            error.set("details", details);
        }
        return root;
    }

    private void sendError(HttpExchange ex, int code, String status, String message, ArrayNode details) throws IOException {
        sendJson(ex, code, errorBody(code, status, message, details));
    }

    /** Google's REST front end pretty-prints JSON answers (only SSE events are one line each). */
    @Override
    protected void sendJson(HttpExchange ex, int status, JsonNode body) throws IOException {
        send(ex, status, "application/json; charset=UTF-8", JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(body));
    }

    @Override
    protected void commonHeaders(HttpExchange ex) {
        ex.getResponseHeaders().set("Vary", "Origin, X-Origin, Referer");
        ex.getResponseHeaders().set("Server", "scaffolding on HTTPServer2");
        ex.getResponseHeaders().set("Server-Timing", "gfet4t7; dur=1");
    }

    private static String queryParam(String rawQuery, String name) {
        if (rawQuery == null) {
            return null;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (key.equals(name)) {
                return eq < 0 ? "" : pair.substring(eq + 1);
            }
        }
        return null;
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
