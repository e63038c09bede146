package dev.switchboard.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatRequest;
import dev.switchboard.api.GatewayError;
import dev.switchboard.catalog.AgentSpec;
import dev.switchboard.catalog.Agents;
import dev.switchboard.catalog.AnonymousAccess;
import dev.switchboard.catalog.Secret;
import dev.switchboard.providers.Json;
import dev.switchboard.providers.anthropic.AnthropicAdapter;
import dev.switchboard.providers.anthropic.AnthropicMapper;
import dev.switchboard.routing.LlmRequest;
import io.netty.util.NetUtil;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import dev.switchboard.routing.PromptFeatures;
import java.util.Locale;
import java.util.Set;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpConstants;

/**
 * Format: parses and validates the caller's JSON into the canonical request. Out-of-range parameters are
 * refused with the offending {@code param}, never clamped. Who is calling and what for come from the
 * {@code x-switchboard-*} headers (or the same names as JMS properties).
 */
final class FormatStage {
    private final Agents agents;
    private final AnonymousAccess anonymous;

    FormatStage(Agents agents, AnonymousAccess anonymous) {
        this.agents = agents;
        this.anonymous = anonymous;
    }

    private static final String AGENT_HEADER = "x-switchboard-agent";
    private static final String TIER_HEADER = "x-switchboard-user-tier";
    /** anthropic-beta: beta names such as {@code mcp-client-2025-04-04}, comma-separated. */
    private static final java.util.regex.Pattern BETA = java.util.regex.Pattern.compile("[A-Za-z0-9._-]+( *, *[A-Za-z0-9._-]+)*");
    private static final int MAX_BETA_CHARS = 512;
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");

    /** Starts the request's context; every later stage, and the error path, reads it. */
    static RequestContext begin(Exchange exchange, String operation) {
        RequestContext ctx = exchange.getVariable(RequestContext.VARIABLE, RequestContext.class);
        if (ctx == null) {
            String entry = exchange.getVariable("entry", "http", String.class);
            ctx = new RequestContext(entry, operation);
            exchange.setVariable(RequestContext.VARIABLE, ctx);
            Admission.holdFor(exchange);
            StreamSink sink = StreamSink.of(exchange);
            if (sink != null) {
                exchange.setVariable(StreamSink.VARIABLE, sink);
            }
        }
        return ctx;
    }

    void chat(Exchange exchange) {
        RequestContext ctx = begin(exchange, "chat");
        caller(exchange.getMessage(), ctx);
        validateChat(exchange, ctx, parse(exchange, ctx));
    }

    /**
     * A summary the context stage asks for ({@link ContextStage}): the request of the agent whose conversation it
     * condenses, without its key (it is inside the gateway already), so the agent's rules, limits and budget apply.
     */
    void summary(Exchange exchange) {
        RequestContext ctx = InternalRequests.begin(exchange, "chat", "summary_for:");
        ctx.summaryFor = exchange.getVariable(InternalRequests.PARENT, RequestContext.class).requestId;
        validateChat(exchange, ctx, parse(exchange, ctx));
    }

    /** The embedding of a question for the semantic cache ({@link CacheStage}), made for the request that asks it. */
    void cacheEmbedding(Exchange exchange) {
        RequestContext ctx = InternalRequests.begin(exchange, "embeddings", "embedding_for:");
        ObjectNode body = parse(exchange, ctx);
        ctx.requestedModel = body.path("model").asText();
        exchange.setVariable("embeddingsBody", body);
    }

    /**
     * "Try a rule" ({@link RuleTester}): the sample speaks for the caller it names, an agent as if with its key
     * (its tier and defaults apply), any other name as a caller without a key. Whoever may try rules may look
     * at any agent's routing; nothing is sent to a provider.
     */
    void tryChat(Exchange exchange, String callerName) {
        RequestContext ctx = begin(exchange, "chat");
        if (callerName != null) {
            ctx.caller = callerName;
            ctx.agent = agents.byId(callerName).orElse(null);
        }
        validateChat(exchange, ctx, parse(exchange, ctx));
    }

    /**
     * Anthropic's Messages API as a front door: validated in its own terms, then turned into the canonical
     * request; the answer is turned back on the way out (see {@link RespondStage}).
     */
    void messages(Exchange exchange) {
        RequestContext ctx = begin(exchange, "chat");
        ctx.frontDoor = RequestContext.FrontDoor.ANTHROPIC;
        caller(exchange.getMessage(), ctx);
        ObjectNode body = parse(exchange, ctx);
        requireModel(body);
        JsonNode maxTokens = body.get("max_tokens");
        if (maxTokens == null || !maxTokens.isIntegralNumber() || !maxTokens.canConvertToInt() || maxTokens.asInt() < 1) {
            throw GatewayError.badRequest("max_tokens", "max_tokens: Field required (an integer from 1 to " + Integer.MAX_VALUE + ")");
        }
        validateAnthropic(body);
        ctx.callerBody = body;
        String beta = CallerInput.header(exchange.getMessage(), MAX_BETA_CHARS, AnthropicAdapter.BETA_HEADER);
        if (beta != null) {
            if (!BETA.matcher(beta).matches()) {
                throw GatewayError.badRequest(AnthropicAdapter.BETA_HEADER, AnthropicAdapter.BETA_HEADER
                        + " must be a comma-separated list of beta names (letters, digits, '-', '_', '.')");
            }
            ctx.callerHeaders = java.util.Map.of(AnthropicAdapter.BETA_HEADER, beta);
        }
        validateChat(exchange, ctx, AnthropicMapper.fromAnthropicRequest(body));
    }

    /**
     * {@code POST /v1/messages/count_tokens}: a Messages request (without {@code max_tokens}) read as the canonical
     * request, kept in {@link #COUNT_BODY} for the count.
     */
    void countTokens(Exchange exchange) {
        RequestContext ctx = begin(exchange, "count_tokens");
        ctx.frontDoor = RequestContext.FrontDoor.ANTHROPIC;
        caller(exchange.getMessage(), ctx);
        ObjectNode body = parse(exchange, ctx);
        validateAnthropic(body);
        ctx.requestedModel = CallerInput.model(body.get("model").asText());
        ObjectNode canonical = AnthropicMapper.fromAnthropicRequest(body);
        validateMessages(canonical);
        exchange.setVariable(COUNT_BODY, canonical);
    }

    /** The exchange variable holding a count_tokens request as a canonical chat body. */
    static final String COUNT_BODY = "sbCountBody";

    private static void requireModel(ObjectNode body) {
        if (!body.path("model").isTextual() || body.get("model").asText().isBlank()) {
            throw GatewayError.badRequest("model", "model: Field required (a model id string)");
        }
    }

    /** What every Messages request needs: a model, and user and assistant turns; sampling ranges as Anthropic has them. */
    private static void validateAnthropic(ObjectNode body) {
        requireModel(body);
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw GatewayError.badRequest("messages", "messages: Field required (a non-empty array of {role, content})");
        }
        for (int i = 0; i < messages.size(); i++) {
            String role = messages.get(i).path("role").asText("");
            if (!role.equals("user") && !role.equals("assistant")) {
                throw GatewayError.badRequest("messages." + i + ".role", "messages." + i + ".role: must be 'user' or 'assistant', got '" + role + "'");
            }
        }
        range(body, "temperature", 0, 1);
        range(body, "top_p", 0, 1);
    }

    /**
     * OpenAI's Responses API as a front door: the request, continued from the caller's stored conversation, as
     * the canonical request (see {@link ResponsesDoor}); errors stay in OpenAI's shape.
     */
    void responses(Exchange exchange, ResponsesDoor door) {
        RequestContext ctx = begin(exchange, "chat");
        ctx.frontDoor = RequestContext.FrontDoor.RESPONSES;
        caller(exchange.getMessage(), ctx);
        validateChat(exchange, ctx, door.canonical(ctx, parse(exchange, ctx)));
    }

    /** {@code GET}/{@code DELETE /v1/responses/{id}}: its caller is known the same way as a chat request's. */
    void storedResponse(Exchange exchange) {
        caller(exchange.getMessage(), begin(exchange, "responses"));
    }

    private void validateChat(Exchange exchange, RequestContext ctx, ObjectNode body) {
        JsonNode model = body.get("model");
        if (model != null && !model.isNull() && !model.isTextual()) {
            throw GatewayError.badRequest("model", "'model' must be a string");
        }
        ctx.requestedModel = model == null || model.isNull() ? null : CallerInput.model(model.asText());
        validateMessages(body);
        range(body, "temperature", 0, 2);
        range(body, "top_p", 0, 1);
        range(body, "presence_penalty", -2, 2);
        range(body, "frequency_penalty", -2, 2);
        atLeastOne(body, "max_tokens");
        atLeastOne(body, "max_completion_tokens");
        if (body.has("n")) {
            JsonNode n = body.get("n");
            if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 1 || n.asInt() > 128) {
                throw GatewayError.badRequest("n", "'n' must be an integer from 1 to 128, got " + n);
            }
        }
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw GatewayError.badRequest("stream", "'stream' must be true or false, got " + stream);
        }
        validateTools(body);
        boolean streaming = stream != null && stream.asBoolean();
        if (streaming && exchange.getVariable(StreamSink.VARIABLE) == null) {
            // Only an HTTP front door can stream; elsewhere (JMS) the whole answer comes back as one reply.
            streaming = false;
            body.put("stream", false);
            ctx.tags.add("stream_collapsed");
        }
        if (!streaming) {
            body.remove("stream_options");
        }
        boolean includeUsage = streaming && body.path("stream_options").path("include_usage").asBoolean(false);
        ctx.stream = streaming;
        ctx.request = new ChatRequest(ctx.requestedModel, body, streaming, includeUsage);
        LlmRequest facts = facts(exchange, ctx, body);
        ctx.estimatedPromptTokens = facts.getEstimatedTokens();
        exchange.setVariable("facts", facts);
    }

    void embeddings(Exchange exchange) {
        RequestContext ctx = begin(exchange, "embeddings");
        caller(exchange.getMessage(), ctx);
        ObjectNode body = parse(exchange, ctx);
        JsonNode model = body.get("model");
        if (model != null && !model.isNull() && !model.isTextual()) {
            throw GatewayError.badRequest("model", "'model' must be a string");
        }
        ctx.requestedModel = model == null || model.isNull() ? null : CallerInput.model(model.asText());
        JsonNode input = body.get("input");
        boolean valid = input != null && (input.isTextual() && !input.asText().isEmpty()
                || input.isArray() && !input.isEmpty());
        if (!valid) {
            throw GatewayError.badRequest("input", "'input' is required: a non-empty string or array of strings");
        }
        exchange.setVariable("embeddingsBody", body);
    }

    void models(Exchange exchange) {
        begin(exchange, "models");
    }

    /** Feedback on an answer: its caller is known the same way as a chat request's; the JSON body is kept for the feedback stage. */
    void feedback(Exchange exchange) {
        RequestContext ctx = begin(exchange, "feedback");
        caller(exchange.getMessage(), ctx);
        exchange.setVariable(FEEDBACK_BODY, parse(exchange, ctx));
    }

    /** The exchange variable holding a feedback request's parsed body. */
    static final String FEEDBACK_BODY = "sbFeedbackBody";

    private ObjectNode parse(Exchange exchange, RequestContext ctx) {
        Message in = exchange.getMessage();
        String contentType = in.getHeader(Exchange.CONTENT_TYPE, String.class);
        if (contentType != null && !contentType.toLowerCase(Locale.ROOT).contains("json")) {
            throw new GatewayError(415, "invalid_request_error", "unsupported_media_type", null,
                    "Content-Type must be application/json, got '" + contentType + "'");
        }
        byte[] raw = in.getBody(byte[].class);
        if (raw == null || raw.length == 0) {
            throw new GatewayError(400, "invalid_request_error", "invalid_json", null, "The request body is empty; send a JSON object");
        }
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(raw);
        } catch (JsonProcessingException e) {
            throw new GatewayError(400, "invalid_request_error", "invalid_json", null,
                    "We could not parse the JSON body of your request: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new GatewayError(400, "invalid_request_error", "invalid_json", null, "We could not read the request body");
        }
        if (json == null || !json.isObject()) {
            throw new GatewayError(400, "invalid_request_error", "invalid_json", null, "The request body must be a JSON object");
        }
        return (ObjectNode) json;
    }

    /**
     * Who is calling: an agent key ({@code Authorization: Bearer sk-sb-...}, or {@code x-api-key} from Anthropic
     * SDKs) names the agent; an unknown or revoked key is refused 401, an inactive agent 403, and
     * {@code x-switchboard-agent} may repeat the agent's id but not name another (403). Without an agent key the
     * caller is anonymous, or what {@code x-switchboard-agent} says unless that is an agent's id (403: an agent's
     * rules, limits and budget are reached with its key only), if this gateway allows callers without a key.
     */
    private void caller(Message in, RequestContext ctx) {
        String key = bearer(in);
        if (key != null && key.startsWith(Agents.KEY_PREFIX)) {
            AgentSpec agent = agents.byKey(key).orElseThrow(() -> new GatewayError(401, "invalid_request_error", "invalid_api_key", null,
                    "Incorrect API key provided: " + Secret.mask(key) + "; use the key your operator made for your agent"));
            if (!agent.active()) {
                throw new GatewayError(403, "permission_error", "agent_inactive", null,
                        "Agent '" + agent.id() + "' is inactive; ask your operator to activate it");
            }
            String claimed = CallerInput.header(in, CallerInput.MAX_AGENT_CHARS, AGENT_HEADER, "switchboardAgent");
            if (claimed != null && !claimed.equals(agent.id())) {
                throw identityFromKey(AGENT_HEADER, "Your key is agent '" + agent.id() + "'s; " + AGENT_HEADER
                        + " cannot name another caller (got '" + claimed + "'). Leave the header out");
            }
            ctx.caller = agent.id();
            ctx.agent = agent;
            return;
        }
        if (!anonymous.admits(localCaller(in))) {
            // The policy's reason (which providers have keys) is for the operator's /health, not for an unknown caller.
            throw new GatewayError(401, "invalid_request_error", "missing_agent_key", null,
                    "This gateway answers agents only from where you call: send 'Authorization: Bearer sk-sb-...' with your agent's "
                            + "key; an operator makes one with POST /admin/api/agents on the management port");
        }
        String agent = CallerInput.header(in, CallerInput.MAX_AGENT_CHARS, AGENT_HEADER, "switchboardAgent");
        if (agent != null && agents.byId(agent).isPresent()) {
            throw new GatewayError(403, "permission_error", "agent_key_required", AGENT_HEADER, "'" + agent
                    + "' is an agent with its own key: send 'Authorization: Bearer sk-sb-...' to call as it; "
                    + "a request without its key cannot speak for it");
        }
        if (agent != null) {
            ctx.caller = agent;
        }
    }

    /**
     * Whether the caller is on this machine: a JMS client when the broker accepts loopback connections only (the
     * embedded broker on loopback; never an external broker), a file dropped into a folder of this machine, or an HTTP caller whose TCP peer is a loopback address. The peer is
     * the connection's own address as Vert.x saw it, never a header a caller can write (a forged header of that name
     * is a string, not a socket address). The transport decides, not the {@code entry} name a route file chooses.
     */
    private boolean localCaller(Message in) {
        org.apache.camel.Endpoint from = in.getExchange().getFromEndpoint();
        if (from instanceof org.apache.camel.component.jms.JmsEndpoint) {
            return anonymous.jmsClientsAreLocal();
        }
        if (from instanceof org.apache.camel.component.file.FileEndpoint) {
            return true;
        }
        if (!(in.getHeader(VertxPlatformHttpConstants.REMOTE_ADDRESS) instanceof SocketAddress peer) || peer.hostAddress() == null) {
            return false;
        }
        InetAddress ip = NetUtil.createInetAddressFromIpAddressString(peer.hostAddress()); // a literal: no name lookup
        return ip != null && ip.isLoopbackAddress();
    }

    private static GatewayError identityFromKey(String param, String message) {
        return new GatewayError(403, "permission_error", "identity_from_key", param, message);
    }

    private static String bearer(Message in) {
        String auth = in.getHeader("Authorization", String.class);
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return auth.substring(7).trim();
        }
        String apiKey = in.getHeader("x-api-key", String.class);
        return apiKey == null ? null : apiKey.trim();
    }

    private static void validateMessages(ObjectNode body) {
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw GatewayError.badRequest("messages", "'messages' is required: a non-empty array of {role, content}");
        }
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String where = "messages[" + i + "]";
            if (!m.isObject()) {
                throw GatewayError.badRequest(where, where + " must be an object with 'role' and 'content'");
            }
            String role = m.path("role").asText(null);
            if (role == null || !ROLES.contains(role)) {
                throw GatewayError.badRequest(where + ".role", where + ".role must be one of " + ROLES.stream().sorted().toList()
                        + ", got " + m.get("role"));
            }
            boolean hasContent = m.has("content") && !m.get("content").isNull();
            if (role.equals("assistant")) {
                if (!hasContent && !m.path("tool_calls").isArray() && !m.has("function_call")) {
                    throw GatewayError.badRequest(where + ".content", where + " (assistant) needs 'content' or 'tool_calls'");
                }
            } else if (!hasContent) {
                throw GatewayError.badRequest(where + ".content", where + ".content is required for role '" + role + "'");
            }
            if (role.equals("tool") && !m.path("tool_call_id").isTextual()) {
                throw GatewayError.badRequest(where + ".tool_call_id", where + ".tool_call_id is required for role 'tool'");
            }
        }
    }

    private static void validateTools(ObjectNode body) {
        JsonNode tools = body.get("tools");
        if (tools == null || tools.isNull()) {
            return;
        }
        if (!tools.isArray()) {
            throw GatewayError.badRequest("tools", "'tools' must be an array");
        }
        for (int i = 0; i < tools.size(); i++) {
            JsonNode t = tools.get(i);
            if (t.path("type").asText("").equals("function") && !t.path("function").path("name").isTextual()) {
                throw GatewayError.badRequest("tools[" + i + "].function.name", "tools[" + i + "].function.name is required");
            }
        }
    }

    private static void range(ObjectNode body, String param, double min, double max) {
        JsonNode v = body.get(param);
        if (v == null || v.isNull()) {
            return;
        }
        if (!v.isNumber() || v.asDouble() < min || v.asDouble() > max) {
            throw GatewayError.badRequest(param, "'" + param + "' must be a number from " + fmt(min) + " to " + fmt(max) + ", got " + v);
        }
    }

    /** A token count: from 1 to the largest 32-bit integer, which is all any provider takes; never wrapped. */
    private static void atLeastOne(ObjectNode body, String param) {
        JsonNode v = body.get(param);
        if (v == null || v.isNull()) {
            return;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 1) {
            throw GatewayError.badRequest(param, "'" + param + "' must be an integer from 1 to " + Integer.MAX_VALUE + ", got " + v);
        }
    }

    private static LlmRequest facts(Exchange exchange, RequestContext ctx, ObjectNode body) {
        Message in = exchange.getMessage();
        String taskType = CallerInput.header(in, CallerInput.MAX_WORD_CHARS, "x-switchboard-task-type", "switchboardTaskType");
        taskType = taskType == null ? "chat" : taskType.toLowerCase(Locale.ROOT);
        if (!LlmRequest.TASK_TYPES.contains(taskType)) {
            throw GatewayError.badRequest("x-switchboard-task-type", "x-switchboard-task-type must be one of "
                    + LlmRequest.TASK_TYPES.stream().sorted().toList() + ", got '" + taskType + "'");
        }
        ctx.taskType = taskType;
        String tier = userTier(in, ctx.agent);
        Set<String> tags = CallerInput.tags(in, "x-switchboard-tags", "switchboardTags");
        ctx.tags.addAll(tags);
        StringBuilder text = new StringBuilder();
        boolean images = false;
        for (JsonNode m : body.get("messages")) {
            JsonNode content = m.get("content");
            if (content == null) {
                continue;
            }
            if (content.isTextual()) {
                text.append(content.asText()).append('\n');
            } else if (content.isArray()) {
                for (JsonNode part : content) {
                    String type = part.path("type").asText();
                    if (type.equals("text")) {
                        text.append(part.path("text").asText()).append('\n');
                    } else if (type.equals("image_url") || type.equals("input_image")) {
                        images = true;
                    }
                }
            }
        }
        int length = text.length();
        return new LlmRequest(ctx.requestedModel == null ? "" : ctx.requestedModel, ctx.caller, taskType, tier, length,
                (length + 3) / 4, PromptFeatures.containsCode(text), PromptFeatures.containsMath(text),
                body.path("tools").isArray() && !body.get("tools").isEmpty(), images,
                body.path("stream").asBoolean(false), tags, java.util.Map.of());
    }

    /**
     * The tier rules see. A keyed caller's is its agent's ({@code userTier}, set by the operator): the header may
     * repeat it, not change it. A caller without a key has what it says, else {@link LlmRequest#UNKEYED_USER_TIER}:
     * leaving the header out must not get past a rule meant for free users.
     */
    private static String userTier(Message in, AgentSpec agent) {
        String said = CallerInput.header(in, CallerInput.MAX_WORD_CHARS, TIER_HEADER, "switchboardUserTier");
        String tier = said == null ? null : said.toLowerCase(Locale.ROOT);
        if (tier != null && !LlmRequest.USER_TIERS.contains(tier)) {
            throw GatewayError.badRequest(TIER_HEADER, TIER_HEADER + " must be one of "
                    + LlmRequest.USER_TIERS.stream().sorted().toList() + ", got '" + tier + "'");
        }
        if (agent == null) {
            return tier == null ? LlmRequest.UNKEYED_USER_TIER : tier;
        }
        if (tier != null && !tier.equals(agent.userTier())) {
            throw identityFromKey(TIER_HEADER, "Agent '" + agent.id() + "' has user tier '" + agent.userTier()
                    + "', set by its operator; " + TIER_HEADER + " cannot change it (got '" + tier + "'). Leave the header out");
        }
        return agent.userTier();
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
