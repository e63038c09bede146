package dev.switchboard;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import dev.switchboard.support.JmsClient;
import jakarta.jms.BytesMessage;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The front doors under hostile input: random and malformed JSON, random {@code x-switchboard-*} headers and JMS
 * properties (huge, unicode, control characters, NUL, duplicated), odd sizes and numbers, on
 * {@code /v1/chat/completions}, {@code /v1/embeddings}, {@code /v1/messages} and the JMS queue. Every answer is JSON
 * in the door's shape and never a server error of the gateway's own; every request that reached the pipeline
 * has its usage row; the recorder ends UP with nothing pending.
 *
 * <p>Random but repeatable: the seed is printed and named in every failure; {@code -Dswitchboard.fuzz.seed=N}
 * replays a run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FrontDoorFuzzTest {
    private static final int HTTP_CASES = 300;
    private static final int JMS_CASES = 50;
    private static final long JMS_RECEIVE_TIMEOUT_MS = 20_000;
    private static final Duration RECORDING_WAIT = Duration.ofSeconds(30);
    /** Stays under Vert.x's 8 KiB header block: beyond it the HTTP codec answers 431 before any route (not fuzzed). */
    private static final int MAX_HEADER_CHARS = 1_500;
    private static final int MAX_JMS_PROPERTY_CHARS = 100_000;
    private static final int MAX_BIG_TEXT_CHARS = 300_000;
    /** Long digit runs once took the request classifier quadratic time (issue 9, item 2). */
    private static final int MAX_DIGIT_RUN = 300_000;
    /** Upstream failures a gateway may relay; the fake answers every model this test asks for, so none are expected. */
    private static final Set<Integer> UPSTREAM_STATUSES = Set.of(502, 503, 504);
    private static final String[] DOORS = {"/v1/chat/completions", "/v1/embeddings", "/v1/messages"};
    private static final String[] CALLER_HEADERS = {"x-switchboard-agent", "x-switchboard-tags", "x-switchboard-task-type",
            "x-switchboard-user-tier"};
    private static final String[] JMS_PROPERTIES = {"switchboardAgent", "switchboardTags", "switchboardTaskType",
            "switchboardUserTier"};
    private static final String[] MODELS = {"gpt-4o-mini", "gpt-4o", "text-embedding-3-small", "openai/fuzz-model",
            "openai/", "/gpt-4o", "nobody/model", "claude-haiku-4-5", ""};
    private static final String[] NUMBERS = {"0", "-1", "1", "0.5", "2", "3", "-0.0", "1e308", "1e309", "-1e309", "1e-400",
            "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808", "18446744073709551617",
            "1" + "0".repeat(400), "0.0000000000000000000001", "\"NaN\"", "\"Infinity\"", "\"12\"", "true", "null", "[]", "{}"};
    private static final String[] NUMERIC_FIELDS = {"temperature", "top_p", "max_tokens", "max_completion_tokens", "n",
            "presence_penalty", "frequency_penalty", "top_k", "seed"};
    private static final String[] TASK_TYPES = {"chat", "code", "math", "reasoning", "summarization", "translation", "extraction",
            "classification", "creative", "search"};
    private static final String[] USER_TIERS = {"free", "standard", "premium", "enterprise"};
    private static final String[] WORDS = {"chat", "code", "math", "free", "premium", "standard", "enterprise", "CHAT",
            "a,a", "a, a ,,b", ",,,", " ", "réel", "naïve"};

    private final long seed = Long.getLong("switchboard.fuzz.seed", new SecureRandom().nextLong());
    private final Random random = new Random(seed);
    private final JsonNodeFactory nodes = JsonNodeFactory.instance;
    /** Request ids of every answer that came out of the pipeline: each must have its usage row. */
    private final Set<String> requestIds = new LinkedHashSet<>();
    /** How many answers per door and status, printed at the end: shows what the run covered. */
    private final Map<String, Integer> covered = new java.util.TreeMap<>();

    private Gateway gateway;

    @BeforeAll
    void start() {
        System.out.println("FrontDoorFuzzTest seed " + seed + " (replay with -Dswitchboard.fuzz.seed=" + seed + ")");
        // The bundled catalog with the bundled rules, as a new user runs them: every model the sample rules name
        // exists (the test catalog lacks some, and a rule naming a missing model or chain routes as if unmatched).
        gateway = Gateway.start(Map.of("SWITCHBOARD_CATALOG", "src/main/resources/default-catalog.yaml"));
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void should_answer_hostile_requests_in_json_without_server_errors_and_record_each() throws JMSException {
        for (int i = 0; i < HTTP_CASES; i++) {
            httpCase(i);
        }
        Session session = gateway.jms().connection().createSession(false, Session.AUTO_ACKNOWLEDGE);
        try {
            TemporaryQueue replies = session.createTemporaryQueue();
            MessageConsumer consumer = session.createConsumer(replies);
            MessageProducer producer = session.createProducer(session.createQueue(JmsClient.REQUEST_QUEUE));
            for (int i = 0; i < JMS_CASES; i++) {
                jmsCase(i, session, producer, consumer, replies);
            }
        } finally {
            session.close();
        }
        System.out.println("FrontDoorFuzzTest seed " + seed + " answers: " + covered);
        assertEveryRequestRecorded();
    }

    // ---------------------------------------------------------------- HTTP

    private void httpCase(int i) {
        if (random.nextInt(20) == 0) {
            strayCase(i);
            return;
        }
        Case c = hostileCase(DOORS[random.nextInt(DOORS.length)], false);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.app.port() + c.door))
                .timeout(Gateway.TIMEOUT).POST(HttpRequest.BodyPublishers.ofByteArray(c.body()));
        if (c.contentType != null) {
            b.header("Content-Type", c.contentType);
        }
        c.headers.forEach(h -> b.header(h.getKey(), String.valueOf(h.getValue())));
        HttpResponse<String> r = gateway.send(b.build());
        checkHttp("HTTP case " + i + ": " + c, c.door, isForm(c.contentType), r);
    }

    /** A path no door serves, or a door with the wrong method: 404 or 405 in JSON, from before the pipeline. */
    private void strayCase(int i) {
        boolean wrongMethod = random.nextBoolean();
        String path = wrongMethod ? pick(DOORS) : pick("/v1/", "/v1/nothing-here", "/v1/messages/batches", "/", "/v1/models/gpt-4o")
                + asciiText(random.nextInt(3)).replace(' ', '-');
        String method = wrongMethod ? pick("GET", "PUT", "DELETE", "PATCH", "OPTIONS") : pick("GET", "POST");
        HttpResponse<String> r = gateway.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.app.port() + path))
                .timeout(Gateway.TIMEOUT).method(method, HttpRequest.BodyPublishers.ofString("{}"))
                .header("Content-Type", "application/json").build());
        covered.merge("stray " + r.statusCode(), 1, Integer::sum);
        String context = "HTTP case " + i + ": " + method + " " + path + " -> " + r.statusCode() + " " + abbreviate(r.body());
        check(r.statusCode() == 404 || r.statusCode() == 405, "404 or 405", context);
        check(r.statusCode() == 404 || r.headers().firstValue("Allow").isPresent(), "405 names the allowed methods", context);
        check(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), "a JSON content type", context);
        checkErrorShape(parse(r.body(), context), path.startsWith("/v1/messages"), context);
    }

    /** Checks one answer; {@code form}: the HTTP layer refuses form bodies before the pipeline. */
    private void checkHttp(String what, String door, boolean form, HttpResponse<String> r) {
        int status = r.statusCode();
        covered.merge(door + " " + status, 1, Integer::sum);
        String context = what + " -> " + status + " " + abbreviate(r.body());
        check(status < 500 || UPSTREAM_STATUSES.contains(status), "no server error of the gateway's own", context);
        String id = r.headers().firstValue("x-switchboard-request-id").orElse(null);
        if (status == 413 || form) {
            check(status == 413 || status == 415, "a form body refused 415 before the pipeline", context);
            check(id == null, "no request id from the HTTP layer, before the pipeline", context);
        } else {
            check(id != null && !id.isBlank(), "every answer of the pipeline carries its request id", context);
            requestIds.add(id);
        }
        String contentType = r.headers().firstValue("Content-Type").orElse("");
        if (status == 200 && contentType.startsWith("text/event-stream")) {
            checkEvents(r.body(), context);
            return;
        }
        check(contentType.startsWith("application/json"), "a JSON content type", context);
        JsonNode json = parse(r.body(), context);
        if (status >= 400) {
            checkErrorShape(json, door.equals("/v1/messages"), context);
        } else if (door.equals("/v1/messages")) {
            check("message".equals(json.path("type").asText()), "an Anthropic message", context);
        } else if (door.equals("/v1/embeddings")) {
            check("list".equals(json.path("object").asText()), "an embeddings list", context);
        } else {
            check("chat.completion".equals(json.path("object").asText()), "a chat completion", context);
        }
    }

    private void checkEvents(String body, String context) {
        for (String line : body.split("\n")) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
                parse(line.substring("data: ".length()), context);
            }
        }
    }

    private void checkErrorShape(JsonNode json, boolean anthropic, String context) {
        if (anthropic) {
            check("error".equals(json.path("type").asText()) && json.path("error").path("type").isTextual()
                    && json.path("error").path("message").isTextual(), "Anthropic's error shape", context);
            return;
        }
        JsonNode error = json.path("error");
        check(error.path("message").isTextual() && error.path("type").isTextual() && error.has("param") && error.has("code"),
                "OpenAI's error shape", context);
    }

    // ---------------------------------------------------------------- JMS

    private void jmsCase(int i, Session session, MessageProducer producer, MessageConsumer consumer, TemporaryQueue replies)
            throws JMSException {
        Case c = hostileCase(DOORS[0], true);
        Message message = jmsMessage(session, c);
        String correlation = "fuzz-" + seed + "-" + i;
        message.setJMSCorrelationID(correlation);
        message.setJMSReplyTo(replies);
        for (Map.Entry<String, Object> p : c.headers) {
            message.setObjectProperty(p.getKey(), p.getValue());
        }
        String what = "JMS case " + i + ": " + c;
        try {
            producer.send(message);
        } catch (jakarta.jms.IllegalStateException tooBig) {
            // Artemis' own client refuses properties over its header limit (AMQ219022) before anything is sent:
            // such a request never reaches the gateway, so there is nothing of the gateway's to check.
            covered.merge("jms refused by the client", 1, Integer::sum);
            return;
        }
        Message reply = consumer.receive(JMS_RECEIVE_TIMEOUT_MS);
        check(reply != null, "a reply within " + JMS_RECEIVE_TIMEOUT_MS + " ms", what);
        String text = text(reply);
        String context = what + " -> " + abbreviate(text);
        check(correlation.equals(reply.getJMSCorrelationID()), "the request's correlation id", context);
        JsonNode json = parse(text, context);
        covered.merge("jms " + (json.has("error") ? json.path("error").path("type").asText() : "ok"), 1, Integer::sum);
        if (json.has("error")) {
            checkErrorShape(json, false, context);
            check(!"server_error".equals(json.path("error").path("type").asText()), "no server error of the gateway's own", context);
        } else {
            check("chat.completion".equals(json.path("object").asText()), "a chat completion", context);
        }
        String id = property(reply, "request");
        check(id != null && !id.isBlank(), "the reply carries its request id", context);
        requestIds.add(id);
    }

    /** Mostly a TextMessage, as the README says; sometimes the same bytes as a BytesMessage, a MapMessage or no body. */
    private Message jmsMessage(Session session, Case c) throws JMSException {
        switch (random.nextInt(10)) {
            case 0 -> {
                BytesMessage bytes = session.createBytesMessage();
                bytes.writeBytes(c.body());
                c.mutations.add("BytesMessage");
                return bytes;
            }
            case 1 -> {
                jakarta.jms.MapMessage map = session.createMapMessage();
                map.setString("model", "gpt-4o-mini");
                map.setString("messages", "[]");
                c.mutations.add("MapMessage");
                return map;
            }
            case 2 -> {
                c.mutations.add("no body");
                return session.createMessage();
            }
            default -> {
                return session.createTextMessage(new String(c.body(), StandardCharsets.UTF_8));
            }
        }
    }

    private static String property(Message reply, String fragment) throws JMSException {
        for (Object name : Collections.list(reply.getPropertyNames())) {
            if (name.toString().toLowerCase(Locale.ROOT).contains(fragment)) {
                return reply.getStringProperty(name.toString());
            }
        }
        return null;
    }

    /** Replies to a text request are TextMessages of UTF-8 JSON (README: "send the same JSON body as a text message"). */
    private static String text(Message reply) throws JMSException {
        assertInstanceOf(TextMessage.class, reply, "a JMS reply must be a TextMessage");
        return ((TextMessage) reply).getText();
    }

    // ---------------------------------------------------------------- recording

    private void assertEveryRequestRecorded() {
        Set<String> missing = Await.until("a usage row for each of " + requestIds.size() + " requests", RECORDING_WAIT, () -> {
            Set<String> left = new HashSet<>(requestIds);
            left.removeAll(recordedIds());
            return left;
        }, Set::isEmpty);
        assertEquals(Set.of(), missing, "seed " + seed);
        JsonNode health = Await.until("the recorder UP with nothing pending", RECORDING_WAIT,
                () -> parse(gateway.get(gateway.managementUrl() + "/health").body(), "GET /health"),
                h -> "UP".equals(h.path("checks").path("database").path("status").asText())
                        && h.path("checks").path("database").path("pendingRows").asInt() == 0);
        assertEquals("UP", health.path("checks").path("database").path("status").asText(), "seed " + seed + ": " + health);
    }

    private Set<String> recordedIds() {
        List<?> rows = gateway.app.camel().createProducerTemplate().requestBody("jdbc:" + App.DATA_SOURCE + "?outputType=SelectList",
                "SELECT request_id FROM usage_record", List.class);
        Set<String> ids = new HashSet<>();
        for (Object row : rows) {
            ((Map<?, ?>) row).values().forEach(v -> ids.add(String.valueOf(v)));
        }
        return ids;
    }

    // ---------------------------------------------------------------- generators

    /** One request: its door, JSON (or raw bytes), Content-Type and caller headers (JMS properties over JMS). */
    private static final class Case {
        final String door;
        final ObjectNode json;
        byte[] raw;
        String contentType = "application/json";
        final List<Map.Entry<String, Object>> headers = new ArrayList<>();
        final List<String> mutations = new ArrayList<>();

        Case(String door, ObjectNode json) {
            this.door = door;
            this.json = json;
        }

        byte[] body() {
            return raw != null ? raw : json.toString().getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            List<String> shown = headers.stream().map(h -> h.getKey() + ": " + abbreviate(String.valueOf(h.getValue()))).toList();
            return "POST " + door + " " + mutations + " Content-Type " + contentType + " " + shown + " body ("
                    + body().length + " bytes) " + abbreviate(new String(body(), StandardCharsets.UTF_8));
        }
    }

    /**
     * A valid request for the door, with valid caller headers now and then, made hostile in one or two ways: so
     * that some requests pass the door and reach routing, the providers' mappers and the answer, and each
     * failure points at one cause.
     */
    private Case hostileCase(String door, boolean jmsProperties) {
        Case c = new Case(door, validRequest(door));
        String[] names = jmsProperties ? JMS_PROPERTIES : CALLER_HEADERS;
        String[] valid = {"fuzz-agent-" + random.nextInt(5), "alpha,beta", pick(TASK_TYPES), pick(USER_TIERS)};
        for (int h = 0; h < names.length; h++) {
            if (random.nextInt(3) == 0) {
                c.headers.add(Map.entry(names[h], valid[h]));
            }
        }
        int mutations = 1 + random.nextInt(2);
        for (int m = 0; m < mutations; m++) {
            mutate(c, names, jmsProperties);
        }
        return c;
    }

    private ObjectNode validRequest(String door) {
        ObjectNode body = nodes.objectNode();
        switch (door) {
            case "/v1/embeddings" -> body.put("model", "text-embedding-3-small").put("input", "Hello " + random.nextInt(1_000));
            case "/v1/messages" -> {
                body.put("model", pick("gpt-4o-mini", "gpt-4o", "openai/fuzz-model")).put("max_tokens", 1 + random.nextInt(500));
                body.putArray("messages").addObject().put("role", "user").put("content", "Hello " + random.nextInt(1_000));
            }
            default -> {
                body.put("model", pick("gpt-4o-mini", "gpt-4o", "openai/fuzz-model"));
                body.putArray("messages").addObject().put("role", "user").put("content", "Hello " + random.nextInt(1_000));
            }
        }
        if (!door.equals("/v1/embeddings") && random.nextInt(4) == 0) {
            body.put("stream", true);
        }
        return body;
    }

    private void mutate(Case c, String[] callerNames, boolean jmsProperties) {
        int kind = random.nextInt(13);
        c.mutations.add("m" + kind);
        ObjectNode json = c.json;
        switch (kind) {
            case 0 -> {
                String name = pick(callerNames);
                int copies = jmsProperties ? 1 : 1 + random.nextInt(2); // the same HTTP header twice
                for (int k = 0; k < copies; k++) {
                    c.headers.add(Map.entry(random.nextBoolean() || jmsProperties ? name : name.toUpperCase(Locale.ROOT),
                            jmsProperties ? jmsValue() : headerValue()));
                }
            }
            case 1 -> json.set(pick(fieldsOf(c.door)), anyValue(2));
            case 2 -> json.set(pick(NUMERIC_FIELDS), oddNumber());
            case 3 -> messageTarget(json).set("content", content());
            case 4 -> messageTarget(json).set("role", random.nextBoolean() ? nodes.textNode(anyText(12)) : anyValue(1));
            case 5 -> json.set("model", random.nextBoolean() ? nodes.textNode(pick(MODELS) + anyText(random.nextInt(3) == 0 ? 300 : 20))
                    : anyValue(1));
            case 6 -> json.set(anyText(10), anyValue(2));
            case 7 -> json.remove(pick("model", "messages", "input", "max_tokens"));
            case 8 -> c.raw = brokenBody(json.toString());
            case 9 -> c.contentType = pick(null, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                    "application/json; charset=latin1", "application/jsonx", "*/*");
            case 10 -> c.headers.add(Map.entry(jmsProperties ? "Authorization" : pick("Authorization", "x-api-key"),
                    pick("Bearer sk-sb-", "Bearer ", "sk-sb-") + asciiText(random.nextInt(40))));
            case 11 -> messageTarget(json).put("content", asciiText(random.nextInt(MAX_BIG_TEXT_CHARS)));
            default -> {
                json.put("stream", true);
                json.set("stream_options", random.nextBoolean() ? anyValue(2) : nodes.objectNode().set("include_usage", anyValue(0)));
            }
        }
    }

    private String[] fieldsOf(String door) {
        return switch (door) {
            case "/v1/embeddings" -> new String[] {"model", "input", "dimensions", "encoding_format", "user"};
            case "/v1/messages" -> new String[] {"model", "max_tokens", "messages", "system", "temperature", "top_p", "top_k",
                    "stop_sequences", "stream", "tools", "tool_choice", "metadata", "thinking"};
            default -> new String[] {"model", "messages", "temperature", "top_p", "max_tokens", "max_completion_tokens", "n",
                    "presence_penalty", "frequency_penalty", "seed", "stream", "stream_options", "tools", "tool_choice", "stop",
                    "user", "metadata", "response_format", "logprobs"};
        };
    }

    /** The message a mutation changes: the first one, or for embeddings a stand-in that is never sent. */
    private ObjectNode messageTarget(ObjectNode json) {
        JsonNode messages = json.path("messages");
        if (messages.isArray() && !messages.isEmpty() && messages.get(0).isObject()) {
            if (random.nextInt(3) == 0) {
                return ((ArrayNode) messages).addObject().put("role", pick("user", "assistant", "system", "tool"));
            }
            return (ObjectNode) messages.get(0);
        }
        if (json.has("input")) {
            ObjectNode holder = nodes.objectNode();
            json.set("input", random.nextBoolean() ? nodes.textNode(prompt()) : content());
            return holder;
        }
        return nodes.objectNode();
    }

    private JsonNode oddNumber() {
        try {
            return Gateway.MAPPER.readTree(pick(NUMBERS));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Not a JSON object: empty, cut short, random bytes, nesting deeper than the parser takes, two objects, NaN. */
    private byte[] brokenBody(String json) {
        String broken = switch (random.nextInt(6)) {
            case 0 -> "";
            case 1 -> json.substring(0, random.nextInt(json.length()));
            case 2 -> null;
            case 3 -> "[".repeat(2_000 + random.nextInt(20_000));
            case 4 -> json + json;
            default -> "{\"" + pick(NUMERIC_FIELDS) + "\":" + pick("NaN", "Infinity", "-Infinity", "01", "1.", ".5", "+1", "0x10")
                    + "," + json.substring(1);
        };
        return broken == null ? randomBytes(random.nextInt(2_000)) : broken.getBytes(StandardCharsets.UTF_8);
    }

    /** A JMS property value: any characters (NUL, unicode, huge), a known word, or not a string at all. */
    private Object jmsValue() {
        return switch (random.nextInt(4)) {
            case 0 -> anyText(random.nextInt(10) == 0 ? MAX_JMS_PROPERTY_CHARS : 300);
            case 1 -> pick(WORDS);
            case 2 -> random.nextLong();
            default -> random.nextBoolean();
        };
    }

    /** A message content: text, content parts of known and unknown types, or anything. */
    private JsonNode content() {
        return switch (random.nextInt(5)) {
            case 0, 1 -> nodes.textNode(prompt());
            case 2 -> {
                ArrayNode parts = nodes.arrayNode();
                int count = random.nextInt(4);
                for (int p = 0; p < count; p++) {
                    ObjectNode part = parts.addObject();
                    String type = pick("text", "image_url", "image", "tool_use", "tool_result", "input_audio", anyText(8));
                    part.put("type", type);
                    part.set("text", random.nextBoolean() ? nodes.textNode(prompt()) : anyValue(1));
                    if (random.nextBoolean()) {
                        part.set(pick("image_url", "source", "input", "content", "id", "name"), anyValue(2));
                    }
                }
                yield parts;
            }
            default -> anyValue(2);
        };
    }

    private JsonNode anyValue(int depth) {
        int kind = random.nextInt(depth > 0 ? 9 : 7);
        return switch (kind) {
            case 0 -> nodes.nullNode();
            case 1 -> nodes.booleanNode(random.nextBoolean());
            case 2 -> nodes.numberNode(random.nextInt(7) - 3);
            case 3 -> nodes.numberNode(random.nextBoolean() ? random.nextDouble() * 4 - 1 : random.nextLong());
            case 4 -> nodes.numberNode(new BigInteger(70 + random.nextInt(200), random));
            case 5 -> nodes.textNode(anyText(random.nextInt(10) == 0 ? 5_000 : 40));
            case 6 -> nodes.textNode(pick(NUMBERS));
            case 7 -> {
                ArrayNode a = nodes.arrayNode();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    a.add(anyValue(depth - 1));
                }
                yield a;
            }
            default -> {
                ObjectNode o = nodes.objectNode();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    o.set(random.nextBoolean() ? pick("type", "text", "role", "content", "function", "name") : anyText(6),
                            anyValue(depth - 1));
                }
                yield o;
            }
        };
    }

    /** A prompt: ordinary words, unicode, a NUL, a long text or a bounded digit run. */
    private String prompt() {
        return switch (random.nextInt(8)) {
            case 0 -> anyText(random.nextInt(200));
            case 1 -> "1".repeat(1 + random.nextInt(MAX_DIGIT_RUN)) + " + 2 = ?";
            case 2 -> asciiText(random.nextInt(MAX_BIG_TEXT_CHARS));
            case 3 -> "zero\u0000byte and 漢字 🙂 \uD800 lone surrogate";
            default -> "Hello " + random.nextInt(1_000);
        };
    }

    /** A header value the JDK client may send: visible ASCII and Latin-1 (UTF-8 bytes as characters), or a known word. */
    private String headerValue() {
        if (random.nextInt(3) == 0) {
            return pick(WORDS);
        }
        int length = random.nextInt(5) == 0 ? MAX_HEADER_CHARS : random.nextInt(300);
        StringBuilder s = new StringBuilder(length);
        while (s.length() < length) {
            int c = random.nextInt(10) < 7 ? 0x21 + random.nextInt(0x5e) : 0x80 + random.nextInt(0x80);
            s.append((char) c);
        }
        String value = s.toString().strip();
        return value.isEmpty() ? "x" : value;
    }

    private static boolean isForm(String contentType) {
        return contentType != null && (contentType.startsWith("application/x-www-form-urlencoded") || contentType.startsWith("multipart/"));
    }

    /** Any characters: ASCII, accents, CJK, emoji, control characters with NUL, lone surrogates. */
    private String anyText(int maxLength) {
        int length = maxLength <= 0 ? 0 : random.nextInt(maxLength + 1);
        StringBuilder s = new StringBuilder(length);
        while (s.length() < length) {
            switch (random.nextInt(8)) {
                case 0 -> s.append((char) random.nextInt(0x20));
                case 1 -> s.append(pick("é", "ß", "漢", "🙂", "\u202e", "\uFEFF", "\uD800", "\uDFFF", "\\", "\"", ",", "'"));
                case 2 -> s.append('\u0000');
                default -> s.append((char) (0x20 + random.nextInt(0x5f)));
            }
        }
        return s.toString();
    }

    private String asciiText(int length) {
        StringBuilder s = new StringBuilder(length);
        while (s.length() < length) {
            s.append((char) ('a' + random.nextInt(26)));
            if (random.nextInt(6) == 0) {
                s.append(' ');
            }
        }
        return s.toString();
    }

    private byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    @SafeVarargs
    private <T> T pick(T... options) {
        return options[random.nextInt(options.length)];
    }

    // ---------------------------------------------------------------- assertions

    private void check(boolean ok, String expected, String context) {
        if (!ok) {
            throw new AssertionError("seed " + seed + " (replay with -Dswitchboard.fuzz.seed=" + seed + "): expected " + expected
                    + "; " + context);
        }
    }

    private JsonNode parse(String body, String context) {
        try {
            JsonNode json = Gateway.MAPPER.readTree(body);
            check(json != null && json.isObject(), "a JSON object", context);
            return json;
        } catch (java.io.IOException e) {
            throw new AssertionError("seed " + seed + ": expected a JSON body; " + context, e);
        }
    }

    private static String abbreviate(String s) {
        String oneLine = s.replace("\n", "\\n");
        return oneLine.length() <= 300 ? oneLine : oneLine.substring(0, 300) + "…(" + s.length() + " chars)";
    }
}
