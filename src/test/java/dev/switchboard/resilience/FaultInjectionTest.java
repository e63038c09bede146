package dev.switchboard.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fault injection against a real gateway: every way a provider can fail (status codes, refused connections,
 * hangs, garbage, cut bodies, context length, content filter, invalid requests), for streaming and
 * non-streaming callers, through chains of one, two and three models; then retries of the last model, the
 * attempt budget, Retry-After, retryOn and context-window skipping. Each request is checked from the outside
 * (status, headers, body or stream) and from its usage row (every attempt, in order), within a time bound.
 * <p>
 * The catalog and the routing rules are generated here: one named chain per failure mode and chain shape, each
 * reached by a rule on the caller's agent id, so the chain's own {@code maxAttempts} and {@code retryOn} apply.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("Fault injection")
class FaultInjectionTest {
    /** No request of this suite may take longer than this, whatever fails. */
    static final Duration BOUND = Duration.ofSeconds(10);
    static final String ANSWER = "fi-answer";
    static final String ANSWER_UPSTREAM = "answer-model";
    static final String ANSWER_TEXT = "Hello from " + ANSWER_UPSTREAM;
    static final String ALL_CONDITIONS = "[timeout, rateLimit, error, contentFilter, contextLength]";
    private static final String PROBE_RULE = "fault injection rules are loaded";

    /** A way a provider fails, and what the caller and the record should show when it is the last failure. */
    enum Mode {
        SERVER_ERROR_500("a 500 from the provider", "m500", "openai", "fake-500", "server_error", 502, "upstream_error", 500),
        UNAVAILABLE_503("a 503 from the provider", "m503", "openai", "fake-503", "server_error", 502, "upstream_error", 503),
        BAD_GATEWAY_502("a 502 proxy page", "m502", "faulty", FaultyProvider.BAD_GATEWAY, "server_error", 502, "upstream_error", 502),
        RATE_LIMIT_WITH_HINT("a 429 with retry-after: 1", "m429", "openai", "fake-429", "rate_limit", 429, "rate_limit_exceeded", 429),
        RATE_LIMIT_WITHOUT_HINT("a 429 without retry-after", "m429bare", "faulty", FaultyProvider.RATE_LIMIT_WITHOUT_HINT,
                "rate_limit", 429, "rate_limit_exceeded", 429),
        CONNECTION_REFUSED("a refused connection", "mrefused", "refused", "refused-model", "server_error", 502, "upstream_error", 0),
        HANG("a provider silent past the first-byte timeout", "mhang", "openai", "fake-hang", "timeout", 504, "timeout", 0),
        GARBAGE("an HTML page with status 200", "mgarbage", "openai", "fake-garbage", "server_error", 502, "upstream_error", -1),
        CUT("a body cut short", "mcut", "openai", "fake-cut", "server_error", 502, "upstream_error", -1),
        STREAM_ERROR("an error after the first content", "mstreamerr", "openai", "fake-stream-error", "server_error", 502,
                "upstream_error", 500),
        CONTEXT_LENGTH("a context-length error", "mcontext", "openai", "fake-context", "context_length", 400,
                "context_length_exceeded", 400),
        CONTENT_FILTER_ERROR("a content-filter error", "mfilter", "faulty", FaultyProvider.CONTENT_FILTER, "content_filter", 400,
                "content_filter", 400),
        FILTERED_ANSWER("an answer stopped by the content filter (finish_reason content_filter)", "mfiltered", "openai",
                "fake-filter", "content_filter", 400, "content_filter", -1),
        INVALID_REQUEST("a 400 invalid request", "m400", "openai", "fake-400", "bad_request", 400, null, 400);

        final String description;
        final String id;
        final String provider;
        final String upstream;
        final String outcome;
        final int callerStatus;
        final String callerCode;
        /** The provider status recorded on the attempt; 0 below HTTP; -1 when not asserted. */
        final int upstreamStatus;

        Mode(String description, String id, String provider, String upstream, String outcome, int callerStatus,
             String callerCode, int upstreamStatus) {
            this.description = description;
            this.id = id;
            this.provider = provider;
            this.upstream = upstream;
            this.outcome = outcome;
            this.callerStatus = callerStatus;
            this.callerCode = callerCode;
            this.upstreamStatus = upstreamStatus;
        }

        /** The caller's own mistake: answered at once, whatever the chain. */
        boolean fallsBack() {
            return this != INVALID_REQUEST;
        }

        /** What a stream shows before it breaks, when this failure comes after the first content; else null. */
        String contentBeforeBreak() {
            return switch (this) {
                case CUT -> "Hel";
                case STREAM_ERROR -> "partial";
                default -> null;
            };
        }

        /** Only a 429 carrying the provider's hint tells the caller when to retry. */
        String callerRetryAfter() {
            return this == RATE_LIMIT_WITH_HINT ? "1" : null;
        }

        long firstByteTimeoutMs() {
            return this == HANG ? 500 : 5000;
        }

        /** The n-th failing model of this mode (1-based); windows grow so that a context-length walk never skips one. */
        String model(int n) {
            return id + "-f" + n;
        }

        @Override
        public String toString() {
            return description;
        }
    }

    /** A chain of failing models, with or without a healthy model at its end. */
    enum Shape {
        ONE_FAILING("s1", 1, false, "a chain of 1 failing model"),
        FAILING_THEN_ANSWER("s2", 1, true, "a chain of 2: failing, then answering"),
        TWO_FAILING_THEN_ANSWER("s3", 2, true, "a chain of 3: failing, failing, then answering"),
        THREE_FAILING("s3f", 3, false, "a chain of 3 failing models");

        final String id;
        final int failing;
        final boolean answerLast;
        final String description;

        Shape(String id, int failing, boolean answerLast, String description) {
            this.id = id;
            this.failing = failing;
            this.answerLast = answerLast;
            this.description = description;
        }

        List<String> models(Mode mode) {
            List<String> models = new ArrayList<>();
            for (int i = 1; i <= failing; i++) {
                models.add(mode.model(i));
            }
            if (answerLast) {
                models.add(ANSWER);
            }
            return models;
        }

        @Override
        public String toString() {
            return description;
        }
    }

    FaultyProvider faulty;
    Path catalog;
    Gateway gw;

    @BeforeAll
    void start() throws IOException {
        faulty = FaultyProvider.start();
        catalog = Files.createTempFile("fault-injection-catalog", ".yaml");
        Files.writeString(catalog, catalogYaml());
        try {
            gw = Gateway.start(env(0));
            Files.writeString(gw.rulesDir.resolve("fault-injection.drl"), rulesDrl());
            Await.until("the fault-injection rules to serve", Gateway.TIMEOUT,
                    () -> gw.postChat(Gateway.chatBody(ANSWER, "probe"), "x-switchboard-agent", "fi-probe"),
                    r -> PROBE_RULE.equals(header(r, "x-switchboard-rule")));
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    @AfterAll
    void stop() {
        if (gw != null) {
            gw.close();
        }
        if (faulty != null) {
            faulty.close();
        }
    }

    Map<String, String> env(int retries) {
        Map<String, String> env = new HashMap<>();
        env.put("SWITCHBOARD_CATALOG", catalog.toString());
        env.put("SWITCHBOARD_RETRIES", Integer.toString(retries));
        // Each failing model is called up to 8 times by the matrix: breakers must not open and change the answer.
        env.put("SWITCHBOARD_BREAKER_MIN_CALLS", "50");
        env.put("FAULTY_BASE_URL", faulty.baseUrl());
        env.put("FAULTY_API_KEY", "sk-faulty-test-key-0123456789");
        return env;
    }

    // ------------------------------------------------------------------ chain walk

    Stream<Arguments> matrix() {
        List<Arguments> cases = new ArrayList<>();
        for (Mode mode : Mode.values()) {
            for (boolean stream : new boolean[] {false, true}) {
                for (Shape shape : Shape.values()) {
                    if (mode == Mode.FILTERED_ANSWER && !shape.answerLast) {
                        // With no model left, what a filtered answer becomes (returned as it is, or a 400) is not
                        // part of the contract; moving on while a model is left is.
                        continue;
                    }
                    cases.add(Arguments.of(mode, stream ? "streaming" : "not streaming", shape));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}, {1}, in {2}")
    @MethodSource("matrix")
    @DisplayName("a failing model moves the request to the next model while one is left, and every attempt is recorded")
    void should_walk_the_chain_past_a_failing_model_and_record_every_attempt(Mode mode, String delivery, Shape shape) {
        boolean stream = delivery.equals("streaming");
        int answerCallsBefore = gw.fake.countFor(ANSWER_UPSTREAM);
        int modeCallsBefore = upstreamCalls(mode);

        Call call = chat(mode.id + "-" + shape.id, shape.models(mode).get(0), stream);

        List<String> expected = new ArrayList<>();
        int status;
        String outcome;
        if (!mode.fallsBack()) {
            expected.add(mode.model(1) + ":" + mode.outcome);
            status = 400;
            outcome = "invalid_request_error";
        } else if (stream && mode.contentBeforeBreak() != null) {
            expected.add(mode.model(1) + ":ok"); // the stream had started: no other model may answer any more
            status = 200;
            outcome = "truncated";
        } else {
            for (int i = 1; i <= shape.failing; i++) {
                expected.add(mode.model(i) + ":" + mode.outcome);
            }
            if (shape.answerLast) {
                expected.add(ANSWER + ":ok");
            }
            status = shape.answerLast ? 200 : mode.callerStatus;
            outcome = shape.answerLast ? "ok" : mode.callerCode;
        }

        HttpResponse<String> r = call.response;
        assertEquals(status, r.statusCode(), call.describe());
        assertEquals(Integer.toString(expected.size()), header(r, "x-switchboard-attempts"), call.describe());
        assertTrue(call.elapsed.compareTo(BOUND) < 0, "answered in " + call.elapsed.toMillis() + " ms: " + call.describe());

        if (status == 200 && !stream) {
            assertEquals(ANSWER_TEXT, json(r.body()).at("/choices/0/message/content").asText(), call.describe());
            assertEquals(ANSWER, header(r, "x-switchboard-model"));
        } else if (status == 200 && "truncated".equals(outcome)) {
            SseTranscript sse = SseTranscript.of(r.body());
            assertEquals(mode.contentBeforeBreak(), sse.content(), "what the caller saw before the break: " + r.body());
            assertFalse(sse.containsDone(), "a broken stream never ends cleanly: " + r.body());
            assertTrue(sse.endsWithError(), "a broken stream ends with an error event: " + r.body());
        } else if (status == 200) {
            SseTranscript sse = SseTranscript.of(r.body());
            assertEquals(ANSWER_TEXT, sse.content(), "only the answering model's content reaches the caller: " + r.body());
            assertTrue(sse.endsWithDone(), "the fall-over is invisible: the stream ends with [DONE]: " + r.body());
            assertTrue(sse.errors().isEmpty(), "no error event in a stream that fell over before its first chunk: " + r.body());
        } else {
            JsonNode error = json(r.body()).path("error");
            if (mode.fallsBack()) {
                assertEquals(mode.callerCode, error.path("code").asText(), call.describe());
            } else {
                assertEquals("invalid_request_error", error.path("type").asText(), call.describe());
                assertTrue(error.path("message").asText().contains("bad request from fake"), call.describe());
            }
            assertEquals(mode.callerRetryAfter(), header(r, "retry-after"), "retry-after of " + call.describe());
        }
        if (!mode.fallsBack()) {
            assertEquals(answerCallsBefore, gw.fake.countFor(ANSWER_UPSTREAM), "a caller error never reaches another model");
        }

        JsonNode row = gw.usageRow(call.requestId());
        assertEquals(expected, attempts(row), "attempts of " + row);
        assertEquals(status, row.path("status").asInt(), row.toString());
        assertEquals(outcome, row.path("outcome").asText(), row.toString());
        for (JsonNode attempt : row.path("attempts")) {
            assertEquals(0, attempt.path("waitMs").asLong(), "no retries in a chain whose budget is its length: " + row);
            if (attempt.path("outcome").asText().equals(mode.outcome) && mode.upstreamStatus >= 0) {
                assertEquals(mode.upstreamStatus, attempt.path("upstreamStatus").asInt(), "upstream status of " + attempt);
            }
        }
        if (modeCallsBefore >= 0) {
            long recorded = expected.stream().filter(a -> a.startsWith(mode.id + "-f")).count();
            assertEquals(recorded, upstreamCalls(mode) - modeCallsBefore, "the provider is called once per recorded attempt, "
                    + "never behind the chain's back: " + attempts(row) + " recorded for " + mode.upstream);
        }
    }

    /** Requests the provider of a mode has received for its upstream name; -1 when nothing can count them. */
    private int upstreamCalls(Mode mode) {
        return switch (mode.provider) {
            case "openai" -> gw.fake.countFor(mode.upstream);
            case "faulty" -> faulty.countFor(mode.upstream);
            default -> -1;
        };
    }

    // ------------------------------------------------------------------ retries, budget, retryOn

    @ParameterizedTest(name = "streaming: {0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("the last model of a chain is retried with a growing backoff once the others have failed")
    void should_retry_the_last_model_with_backoff_after_the_others_failed(boolean stream) {
        int calls = gw.fake.countFor("fake-500");
        Call call = chat("retry-last", "rt-500-a", stream);
        assertEquals(502, call.response.statusCode(), call.describe());
        assertEquals("4", header(call.response, "x-switchboard-attempts"));
        JsonNode row = gw.usageRow(call.requestId());
        assertEquals(List.of("rt-500-a:server_error", "rt-500-b:server_error", "rt-500-b:server_error", "rt-500-b:server_error"),
                attempts(row), row.toString());
        assertEquals(List.of(0L, 0L), waits(row).subList(0, 2), "moving on to another model waits for nothing: " + row);
        assertBetween(500, 625, waits(row).get(2), "first backoff (0.5 s + up to 25 % jitter) of " + row);
        assertBetween(1000, 1250, waits(row).get(3), "second backoff (1 s + up to 25 % jitter) of " + row);
        assertTrue(call.elapsed.toMillis() >= 1500, "the backoffs were waited: " + call.elapsed.toMillis() + " ms");
        assertTrue(call.elapsed.compareTo(BOUND) < 0, call.elapsed.toMillis() + " ms");
        assertEquals(4, gw.fake.countFor("fake-500") - calls, "one provider call per recorded attempt");
    }

    @ParameterizedTest(name = "streaming: {0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("a retry of the last model that succeeds answers the caller")
    void should_answer_once_a_retry_of_the_last_model_succeeds(boolean stream) {
        int calls = faulty.countFor(FaultyProvider.RECOVERS);
        Call call = chat("retry-recovers", "rt-recovers", stream);
        assertEquals(200, call.response.statusCode(), call.describe());
        assertEquals(2, faulty.countFor(FaultyProvider.RECOVERS) - calls, "the provider saw the failed call and the retry");
        assertEquals("2", header(call.response, "x-switchboard-attempts"), "the retry is an attempt of the chain, recorded: "
                + gw.usageRow(call.requestId()));
        String text = stream ? SseTranscript.of(call.response.body()).content()
                : json(call.response.body()).at("/choices/0/message/content").asText();
        assertEquals("Hello from " + FaultyProvider.RECOVERS, text, call.describe());
        if (stream) {
            assertTrue(SseTranscript.of(call.response.body()).endsWithDone(), call.describe());
        }
        JsonNode row = gw.usageRow(call.requestId());
        assertEquals(List.of("rt-recovers:server_error", "rt-recovers:ok"), attempts(row), row.toString());
        assertEquals(503, row.at("/attempts/0/upstreamStatus").asInt(), row.toString());
        assertBetween(500, 625, waits(row).get(1), "backoff before the retry in " + row);
    }

    @Test
    @DisplayName("a 429 with retry-after: 1 is retried after about one second")
    void should_wait_the_providers_retry_after_before_retrying_a_rate_limited_last_model() {
        int calls = gw.fake.countFor("fake-429");
        Call call = chat("retry-hint", "rt-429", false);
        assertEquals(429, call.response.statusCode(), call.describe());
        assertEquals("1", header(call.response, "retry-after"));
        assertEquals("2", header(call.response, "x-switchboard-attempts"));
        JsonNode row = gw.usageRow(call.requestId());
        assertEquals(List.of("rt-429:rate_limit", "rt-429:rate_limit"), attempts(row), row.toString());
        assertEquals(2, gw.fake.countFor("fake-429") - calls, "one provider call per recorded attempt, in "
                + call.elapsed.toMillis() + " ms: " + row);
        assertBetween(1000, 1250, waits(row).get(1), "the provider's hint, waited, in " + row);
        assertTrue(call.elapsed.toMillis() >= 1000, "waited " + call.elapsed.toMillis() + " ms");
        assertTrue(call.elapsed.compareTo(BOUND) < 0, call.elapsed.toMillis() + " ms");
    }

    @Test
    @DisplayName("a Retry-After that does not fit before the chain's deadline is not waited for")
    void should_not_wait_a_retry_after_longer_than_the_time_left_before_the_deadline() {
        int calls = gw.fake.countFor("fake-429");
        Call call = chat("retry-deadline", "rt-429", false);
        assertEquals(429, call.response.statusCode(), call.describe());
        assertEquals("1", header(call.response, "x-switchboard-attempts"));
        assertEquals(1, gw.fake.countFor("fake-429") - calls, "one attempt, one provider call, in " + call.elapsed.toMillis() + " ms");
        assertTrue(call.elapsed.toMillis() < 1000, "the 1 s hint was not waited: " + call.elapsed.toMillis() + " ms");
        assertEquals(List.of("rt-429:rate_limit"), attempts(gw.usageRow(call.requestId())));
    }

    @ParameterizedTest(name = "maxAttempts {0}")
    @ValueSource(ints = {1, 2, 3})
    @DisplayName("a chain of one failing model spends exactly its attempt budget, never more")
    void should_spend_exactly_the_attempt_budget_on_a_failing_last_model(int maxAttempts) {
        int calls = gw.fake.countFor("fake-500");
        Call call = chat("budget-" + maxAttempts, "rt-500-a", false);
        assertEquals(502, call.response.statusCode(), call.describe());
        assertEquals(Integer.toString(maxAttempts), header(call.response, "x-switchboard-attempts"));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < maxAttempts; i++) {
            expected.add("rt-500-a:server_error");
        }
        assertEquals(expected, attempts(gw.usageRow(call.requestId())));
        assertEquals(maxAttempts, gw.fake.countFor("fake-500") - calls, "the provider is called exactly maxAttempts times");
        assertTrue(call.elapsed.compareTo(BOUND) < 0, call.elapsed.toMillis() + " ms");
    }

    @Test
    @DisplayName("the attempt budget stops a chain even while models are left")
    void should_stop_at_the_attempt_budget_even_with_models_left() {
        int answerCalls = gw.fake.countFor(ANSWER_UPSTREAM);
        Call call = chat("budget-short", "rt-500-a", false);
        assertEquals(502, call.response.statusCode(), call.describe());
        assertEquals("2", header(call.response, "x-switchboard-attempts"));
        assertEquals(List.of("rt-500-a:server_error", "rt-500-b:server_error"), attempts(gw.usageRow(call.requestId())));
        assertEquals(answerCalls, gw.fake.countFor(ANSWER_UPSTREAM), "the third model is beyond the budget of 2");
    }

    @Test
    @DisplayName("a rate-limited model with a budget of one attempt is answered at once, without waiting its Retry-After")
    void should_answer_a_rate_limit_at_once_when_the_budget_is_spent() {
        int calls = gw.fake.countFor("fake-429");
        Call call = chat("budget-429", "rt-429", false);
        assertEquals(429, call.response.statusCode(), call.describe());
        assertEquals("1", header(call.response, "x-switchboard-attempts"));
        assertEquals(1, gw.fake.countFor("fake-429") - calls, "a budget of 1 is one provider call, in " + call.elapsed.toMillis() + " ms");
        assertTrue(call.elapsed.toMillis() < 1000, call.elapsed.toMillis() + " ms");
        assertEquals(List.of("rt-429:rate_limit"), attempts(gw.usageRow(call.requestId())));
    }

    @ParameterizedTest(name = "streaming: {0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("a chain whose retryOn lacks contentFilter answers a content filter at once")
    void should_answer_a_content_filter_at_once_when_the_chain_does_not_retry_on_it(boolean stream) {
        int answerCalls = gw.fake.countFor(ANSWER_UPSTREAM);
        Call call = chat("no-filter-retry", "rt-filter", stream);
        assertEquals(400, call.response.statusCode(), call.describe());
        assertEquals("content_filter", json(call.response.body()).at("/error/code").asText(), call.describe());
        assertEquals("1", header(call.response, "x-switchboard-attempts"));
        assertEquals(List.of("rt-filter:content_filter"), attempts(gw.usageRow(call.requestId())));
        assertEquals(answerCalls, gw.fake.countFor(ANSWER_UPSTREAM), "the next model is never tried");
    }

    @Test
    @DisplayName("a chain whose retryOn lacks contentFilter never moves a filtered answer on to another model")
    void should_not_move_a_filtered_answer_on_when_the_chain_does_not_retry_on_content_filter() {
        int answerCalls = gw.fake.countFor(ANSWER_UPSTREAM);
        Call call = chat("no-filter-retry-answer", "rt-filtered", false);
        assertEquals(1, Integer.parseInt(header(call.response, "x-switchboard-attempts")), call.describe());
        assertEquals(answerCalls, gw.fake.countFor(ANSWER_UPSTREAM), "the next model is never tried");
    }

    @ParameterizedTest(name = "streaming: {0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("a context-length failure skips the models whose context window is not larger")
    void should_skip_models_whose_window_is_not_larger_after_a_context_length_failure(boolean stream) {
        int smallCalls = gw.fake.countFor("smaller-window-model") + gw.fake.countFor("same-window-model");
        Call call = chat("context-skip", "rt-context", stream);
        assertEquals(200, call.response.statusCode(), call.describe());
        String text = stream ? SseTranscript.of(call.response.body()).content()
                : json(call.response.body()).at("/choices/0/message/content").asText();
        assertEquals("Hello from larger-window-model", text, call.describe());
        assertEquals("rt-larger", header(call.response, "x-switchboard-model"));
        JsonNode row = gw.usageRow(call.requestId());
        assertEquals(List.of("rt-context:context_length", "rt-smaller:skipped_context", "rt-same:skipped_context", "rt-larger:ok"),
                attempts(row), row.toString());
        assertEquals(Integer.toString(row.path("attempts").size()), header(call.response, "x-switchboard-attempts"));
        assertEquals(smallCalls, gw.fake.countFor("smaller-window-model") + gw.fake.countFor("same-window-model"),
                "a skipped model is never called");
    }

    @Test
    @DisplayName("a chain whose retryOn lacks contextLength answers a context-length failure at once")
    void should_answer_a_context_length_failure_at_once_when_the_chain_does_not_retry_on_it() {
        Call call = chat("no-context-retry", "rt-context", false);
        assertEquals(400, call.response.statusCode(), call.describe());
        assertEquals("context_length_exceeded", json(call.response.body()).at("/error/code").asText(), call.describe());
        assertEquals(List.of("rt-context:context_length"), attempts(gw.usageRow(call.requestId())));
    }

    /** Chains a model's own fallbacks make (no rule, no chain object) take their extra attempts from SWITCHBOARD_RETRIES. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @DisplayName("With SWITCHBOARD_RETRIES=2")
    class WithTwoRetries {
        Gateway retrying;

        @BeforeAll
        void start() {
            retrying = Gateway.start(env(2));
        }

        @AfterAll
        void stop() {
            if (retrying != null) {
                retrying.close();
            }
        }

        @Test
        @DisplayName("a model's fallback list is walked, then its last model is retried twice with backoff")
        void should_retry_the_last_fallback_twice_with_backoff() {
            Call call = Call.send(retrying, "rt-500-a", false, null);
            assertEquals(502, call.response.statusCode(), call.describe());
            assertEquals("4", header(call.response, "x-switchboard-attempts"));
            JsonNode row = retrying.usageRow(call.requestId());
            assertEquals(List.of("rt-500-a:server_error", "rt-500-b:server_error", "rt-500-b:server_error", "rt-500-b:server_error"),
                    attempts(row), row.toString());
            assertBetween(500, 625, waits(row).get(2), "first backoff in " + row);
            assertBetween(1000, 1250, waits(row).get(3), "second backoff in " + row);
            assertTrue(call.elapsed.compareTo(BOUND) < 0, call.elapsed.toMillis() + " ms");
        }

        @Test
        @DisplayName("a rate-limited model with no fallbacks is retried twice, each after its retry-after of one second")
        void should_retry_a_rate_limited_model_twice_after_its_retry_after() {
            int calls = retrying.fake.countFor("fake-429");
            Call call = Call.send(retrying, "rt-429", true, null);
            assertEquals(429, call.response.statusCode(), call.describe());
            assertEquals("3", header(call.response, "x-switchboard-attempts"));
            JsonNode row = retrying.usageRow(call.requestId());
            assertEquals(List.of("rt-429:rate_limit", "rt-429:rate_limit", "rt-429:rate_limit"), attempts(row), row.toString());
            assertEquals(3, retrying.fake.countFor("fake-429") - calls, "one provider call per recorded attempt, in "
                    + call.elapsed.toMillis() + " ms");
            assertBetween(1000, 1250, waits(row).get(1), "hint waited in " + row);
            assertBetween(1000, 1250, waits(row).get(2), "hint waited in " + row);
            assertTrue(call.elapsed.toMillis() >= 2000, call.elapsed.toMillis() + " ms");
            assertTrue(call.elapsed.compareTo(BOUND) < 0, call.elapsed.toMillis() + " ms");
        }

        @Test
        @DisplayName("a model that answers after one failure is retried once and answers")
        void should_answer_after_one_retry() {
            Call call = Call.send(retrying, "rt-recovers", false, null);
            assertEquals(200, call.response.statusCode(), call.describe());
            assertEquals(List.of("rt-recovers:server_error", "rt-recovers:ok"), attempts(retrying.usageRow(call.requestId())));
        }
    }

    // ------------------------------------------------------------------ the catalog and the rules

    /** Named chains for the matrix and the retry tests: id -> YAML value. */
    static Map<String, String> chains() {
        Map<String, String> chains = new LinkedHashMap<>();
        for (Mode mode : Mode.values()) {
            for (Shape shape : Shape.values()) {
                List<String> models = shape.models(mode);
                chains.put(mode.id + "-" + shape.id, "{models: " + models + ", maxAttempts: " + models.size()
                        + ", retryOn: " + ALL_CONDITIONS + "}");
            }
        }
        chains.put("retry-last", "{models: [rt-500-a, rt-500-b], maxAttempts: 4}");
        chains.put("retry-recovers", "{models: [rt-recovers], maxAttempts: 3}");
        chains.put("retry-hint", "{models: [rt-429], maxAttempts: 2}");
        chains.put("retry-deadline", "{models: [rt-429], maxAttempts: 3, deadlineMs: 700}");
        chains.put("budget-1", "{models: [rt-500-a], maxAttempts: 1}");
        chains.put("budget-2", "{models: [rt-500-a], maxAttempts: 2}");
        chains.put("budget-3", "{models: [rt-500-a], maxAttempts: 3}");
        chains.put("budget-short", "{models: [rt-500-a, rt-500-b, " + ANSWER + "], maxAttempts: 2}");
        chains.put("budget-429", "{models: [rt-429], maxAttempts: 1}");
        chains.put("no-filter-retry", "{models: [rt-filter, " + ANSWER + "], retryOn: [timeout, rateLimit, error, contextLength]}");
        chains.put("no-filter-retry-answer", "{models: [rt-filtered, " + ANSWER + "], retryOn: [timeout, rateLimit, error, contextLength]}");
        chains.put("context-skip", "{models: [rt-context, rt-smaller, rt-same, rt-larger], retryOn: [error, contextLength]}");
        chains.put("no-context-retry", "{models: [rt-context, rt-larger], retryOn: [timeout, rateLimit, error]}");
        return chains;
    }

    static String catalogYaml() {
        StringBuilder y = new StringBuilder("""
                # Generated by FaultInjectionTest: every failure mode at three chain positions, plus the retry tests' models.
                defaults: {chatModel: fi-answer}
                providers:
                  - {id: openai, type: openai, baseUrl: "http://127.0.0.1:1/v1", keyEnv: OPENAI_API_KEY, baseUrlEnv: OPENAI_BASE_URL}
                  - {id: faulty, type: openai, baseUrl: "http://127.0.0.1:1/v1", keyEnv: FAULTY_API_KEY, baseUrlEnv: FAULTY_BASE_URL}
                  - {id: refused, type: openai, baseUrl: "http://127.0.0.1:1/v1", keyEnv: OPENAI_API_KEY}
                models:
                """);
        model(y, ANSWER, ANSWER_UPSTREAM, "openai", 128000, 5000, "");
        for (Mode mode : Mode.values()) {
            for (int n = 1; n <= 3; n++) {
                model(y, mode.model(n), mode.upstream, mode.provider,
                        8000 << (n - 1), mode.firstByteTimeoutMs(), "");
            }
        }
        model(y, "rt-500-a", "fake-500", "openai", 8000, 5000, ", fallbacks: [rt-500-b]");
        model(y, "rt-500-b", "fake-500", "openai", 8000, 5000, "");
        model(y, "rt-429", "fake-429", "openai", 8000, 5000, "");
        model(y, "rt-recovers", FaultyProvider.RECOVERS, "faulty", 8000, 5000, "");
        model(y, "rt-filter", FaultyProvider.CONTENT_FILTER, "faulty", 8000, 5000, "");
        model(y, "rt-filtered", "fake-filter", "openai", 8000, 5000, "");
        model(y, "rt-context", "fake-context", "openai", 8000, 5000, "");
        model(y, "rt-smaller", "smaller-window-model", "openai", 4000, 5000, "");
        model(y, "rt-same", "same-window-model", "openai", 8000, 5000, "");
        model(y, "rt-larger", "larger-window-model", "openai", 200000, 5000, "");
        y.append("chains:\n");
        chains().forEach((id, value) -> y.append("  ").append(id).append(": ").append(value).append('\n'));
        return y.toString();
    }

    private static void model(StringBuilder y, String id, String upstream, String provider, int window, long firstByteMs, String extra) {
        y.append("  - {id: ").append(id).append(", upstreamId: \"").append(upstream).append("\", provider: ").append(provider)
                .append(", contextWindow: ").append(window).append(", price: {input: 1, output: 1}, firstByteTimeoutMs: ")
                .append(firstByteMs).append(extra).append("}\n");
    }

    /** One rule per chain: the agent {@code fi-<chain>} is routed to the chain's first model along the chain. */
    static String rulesDrl() {
        StringBuilder drl = new StringBuilder("""
                package rules
                import dev.switchboard.routing.LlmRequest
                global dev.switchboard.routing.Decision decision

                rule "%s"
                    salience 1000
                    activation-group "route"
                when
                    LlmRequest(agentId == "fi-probe")
                then
                    decision.route("%s");
                end
                """.formatted(PROBE_RULE, ANSWER));
        chains().forEach((id, value) -> {
            String first = value.substring(value.indexOf('[') + 1, value.indexOf(']')).split(",")[0].trim();
            drl.append("""

                    rule "fault injection chain %s"
                        salience 1000
                        activation-group "route"
                    when
                        LlmRequest(agentId == "fi-%s")
                    then
                        decision.route("%s", "%s");
                    end
                    """.formatted(id, id, first, id));
        });
        return drl.toString();
    }

    // ------------------------------------------------------------------ helpers

    private Call chat(String chain, String model, boolean stream) {
        return Call.send(gw, model, stream, "fi-" + chain);
    }

    /** One request, timed from the outside. */
    record Call(String request, HttpResponse<String> response, Duration elapsed) {
        static Call send(Gateway gateway, String model, boolean stream, String agent) {
            String body = "{\"model\":\"" + model + "\",\"stream\":" + stream
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"fault injection " + UUID.randomUUID() + "\"}]}";
            String[] headers = agent == null ? new String[0] : new String[] {"x-switchboard-agent", agent};
            long start = System.nanoTime();
            HttpResponse<String> r = gateway.postChat(body, headers);
            return new Call(model + (stream ? " streaming" : "") + (agent == null ? "" : " as " + agent), r,
                    Duration.ofNanos(System.nanoTime() - start));
        }

        String requestId() {
            String id = header(response, "x-switchboard-request-id");
            assertFalse(id == null || id.isBlank(), "every answer carries its request id: " + describe());
            return id;
        }

        String describe() {
            return request + " -> " + response.statusCode() + " " + response.headers().map() + " " + response.body();
        }
    }

    /** "model:outcome" per attempt, in order. */
    static List<String> attempts(JsonNode row) {
        List<String> list = new ArrayList<>();
        row.path("attempts").forEach(a -> list.add(a.path("model").asText() + ":" + a.path("outcome").asText()));
        return list;
    }

    static List<Long> waits(JsonNode row) {
        List<Long> list = new ArrayList<>();
        row.path("attempts").forEach(a -> list.add(a.path("waitMs").asLong()));
        return list;
    }

    static void assertBetween(long min, long max, long actual, String what) {
        assertTrue(actual >= min && actual <= max, what + ": expected " + min + ".." + max + ", got " + actual);
    }

    static String header(HttpResponse<String> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    static JsonNode json(String body) {
        try {
            return Gateway.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }
}
