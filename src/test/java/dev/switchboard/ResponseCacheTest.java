package dev.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Gateway;
import dev.switchboard.support.MovableClock;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The exact response cache over HTTP: an agent that opts in gets an identical request's stored answer without a
 * provider call (counted at the fake), in JSON, as a replayed stream and at the Anthropic door; any change of the
 * request misses; answers expire; the bypass headers, the temperature rule and the scopes hold; a hit's usage row costs nothing
 * and names what it saved.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResponseCacheTest {
    /** What the fake reports for every chat answer (11 prompt, 7 completion tokens) at gpt-4o-mini's prices. */
    private static final double ANSWER_USD = (11 * 0.15 + 7 * 0.60) / 1e6;

    /** Answers expire by this clock: a test moves it past a TTL instead of waiting. */
    private final MovableClock clock = new MovableClock();
    private Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.start(java.util.Map.of(), clock);
    }

    @AfterAll
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void should_answer_an_identical_request_from_the_cache_and_record_the_saving() {
        String key = agent("exact", "true");
        String body = chat(unique(), ",\"max_tokens\":20");
        HttpResponse<String> first = post(key, body);
        assertEquals(200, first.statusCode(), first.body());
        assertEquals("miss", cacheHeader(first));
        HttpResponse<String> second = post(key, body);
        assertEquals(200, second.statusCode(), second.body());
        assertEquals("hit", cacheHeader(second));
        assertEquals(read(first.body()), read(second.body()), "the stored answer, as it was");
        assertEquals("gpt-4o-mini", second.headers().firstValue("x-switchboard-model").orElse(""));
        assertEquals(1, upstreamCalls(body), "the provider answered once");

        JsonNode row = gw.usageRow(requestId(second));
        assertEquals("cache_hit", row.path("outcome").asText(), row.toString());
        assertEquals(0, row.path("cost_usd").asDouble(), row.toString());
        assertEquals(0, row.path("total_tokens").asInt(), row.toString());
        assertTrue(row.path("tags").asText().contains(String.format(java.util.Locale.ROOT, "cache_saved_usd:%.8f", ANSWER_USD)), row.toString());
    }

    @Test
    void should_miss_when_any_parameter_tool_or_format_changes() {
        String key = agent("picky", "{\"mode\":\"exact\",\"ttlSeconds\":600}");
        String text = unique();
        String[] variants = {",\"max_tokens\":20", ",\"max_tokens\":21", ",\"max_tokens\":20,\"response_format\":{\"type\":\"json_object\"}",
                ",\"max_tokens\":20,\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"parameters\":{\"type\":\"object\"}}}]"};
        for (String params : variants) {
            HttpResponse<String> r = post(key, chat(text, params));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("miss", cacheHeader(r), params);
        }
        assertEquals(variants.length, upstreamCalls(text));
        assertEquals("hit", cacheHeader(post(key, chat(text, ",\"max_tokens\":21"))), "each variant was stored under its own key");
    }

    @Test
    void should_charge_a_hit_nothing_against_the_budget() {
        // Room for one call (its cost, then its worst case of under 60 prompt and 7 answer tokens held again): a hit
        // charged like a call would leave no room for the next request's reservation.
        double budget = ANSWER_USD + (60 * 0.15 + 7 * 0.60) / 1e6;
        String key = agent("frugal-cached", "true", ",\"dailyBudgetUsd\":" + budget);
        String body = chat(unique(), ",\"max_tokens\":7");
        assertEquals("miss", cacheHeader(post(key, body)));
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> hit = post(key, body);
            assertEquals(200, hit.statusCode(), "hit " + i + ": " + hit.body());
            assertEquals("hit", cacheHeader(hit));
        }
        HttpResponse<String> fresh = post(key, chat(unique(), ",\"max_tokens\":7"));
        assertEquals(200, fresh.statusCode(), "the hits left the budget as the first call did: " + fresh.body());
    }

    @Test
    void should_forget_an_answer_after_its_time_to_live() {
        String key = agent("short-lived", "{\"ttlSeconds\":30}");
        String body = chat(unique(), "");
        assertEquals("miss", cacheHeader(post(key, body)));
        clock.advance(Duration.ofSeconds(29));
        assertEquals("hit", cacheHeader(post(key, body)));
        clock.advance(Duration.ofSeconds(2));
        assertEquals("miss", cacheHeader(post(key, body)));
        assertEquals(2, upstreamCalls(body), "asked again once the answer had expired");
    }

    @Test
    void should_skip_the_cache_when_the_caller_says_so() {
        String key = agent("bypasser", "true");
        String body = chat(unique(), "");
        assertEquals("miss", cacheHeader(post(key, body)));
        assertEquals("bypass", cacheHeader(post(key, body, "x-switchboard-cache", "bypass")));
        assertEquals("bypass", cacheHeader(post(key, body, "Cache-Control", "no-cache")));
        assertEquals(3, upstreamCalls(body));
        assertEquals("hit", cacheHeader(post(key, body)));
    }

    @Test
    void should_never_cache_a_model_the_catalog_keeps_out_of_the_cache() {
        String key = agent("news-reader", "true");
        String body = chat(unique(), "").replace("\"gpt-4o-mini\"", "\"live-news\"");
        assertEquals("bypass", cacheHeader(post(key, body)));
        assertEquals("bypass", cacheHeader(post(key, body)));
        assertEquals(2, upstreamCalls(body), "cache: false in the catalog wins over the agent's setting");
    }

    @Test
    void should_replay_a_stored_answer_as_a_stream_with_its_usage() throws IOException {
        String key = agent("streamer", "true");
        String text = unique();
        HttpResponse<String> json = post(key, chat(text, ""));
        String content = read(json.body()).at("/choices/0/message/content").asText();
        HttpResponse<String> streamed = post(key, chat(text, ",\"stream\":true,\"stream_options\":{\"include_usage\":true}"));
        assertEquals(200, streamed.statusCode(), streamed.body());
        assertEquals("hit", cacheHeader(streamed));
        assertTrue(streamed.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        StringBuilder replayed = new StringBuilder();
        JsonNode usage = null;
        for (String line : streamed.body().split("\n")) {
            if (line.startsWith("data: {")) {
                JsonNode chunk = read(line.substring(6));
                replayed.append(chunk.at("/choices/0/delta/content").asText(""));
                usage = chunk.hasNonNull("usage") ? chunk.get("usage") : usage;
            }
        }
        assertEquals(content, replayed.toString());
        assertEquals(11, usage.path("prompt_tokens").asInt(), streamed.body());
        assertTrue(streamed.body().endsWith("data: [DONE]\n\n"), streamed.body());
        assertEquals(1, upstreamCalls(text));
    }

    @Test
    void should_keep_a_streamed_answer_for_the_next_request_streamed_or_not() throws IOException {
        String key = agent("stream-first", "true");
        String text = unique();
        HttpResponse<String> streamed = post(key, chat(text, ",\"stream\":true"));
        assertEquals(200, streamed.statusCode(), streamed.body());
        assertEquals("miss", cacheHeader(streamed));
        StringBuilder relayed = new StringBuilder();
        for (String line : streamed.body().split("\n")) {
            if (line.startsWith("data: {")) {
                relayed.append(read(line.substring(6)).at("/choices/0/delta/content").asText(""));
            }
        }
        assertTrue(relayed.length() > 0, streamed.body());
        HttpResponse<String> json = post(key, chat(text, ""));
        assertEquals("hit", cacheHeader(json), json.body());
        assertEquals(relayed.toString(), read(json.body()).at("/choices/0/message/content").asText());
        assertEquals("stop", read(json.body()).at("/choices/0/finish_reason").asText(), json.body());
        assertEquals("hit", cacheHeader(post(key, chat(text, ",\"stream\":true"))));
        assertEquals(1, upstreamCalls(text));
    }

    @Test
    void should_answer_the_anthropic_door_from_the_cache_in_its_format() {
        String key = agent("claude-caller", "true");
        String body = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"" + unique() + "\"}]}";
        HttpResponse<String> first = gw.post("/messages", body, "x-api-key", key);
        assertEquals(200, first.statusCode(), first.body());
        assertEquals("miss", cacheHeader(first));
        HttpResponse<String> second = gw.post("/messages", body, "x-api-key", key);
        assertEquals("hit", cacheHeader(second));
        assertEquals("message", read(second.body()).path("type").asText(), second.body());
        assertEquals(read(first.body()).path("content"), read(second.body()).path("content"));
        HttpResponse<String> streamed = gw.post("/messages", body.replace("\"max_tokens\":50", "\"max_tokens\":50,\"stream\":true"),
                "x-api-key", key);
        assertEquals("hit", cacheHeader(streamed));
        assertTrue(streamed.body().contains("event: message_start") && streamed.body().contains("event: message_stop"), streamed.body());
        assertEquals(1, upstreamCalls(body.substring(body.indexOf("\"content\""))));
    }

    @Test
    void should_cache_a_temperature_above_zero_only_when_the_agent_opts_in() {
        String strict = agent("strict", "true");
        String body = chat(unique(), ",\"temperature\":0.7");
        assertEquals("bypass", cacheHeader(post(strict, body)));
        assertEquals("bypass", cacheHeader(post(strict, body)));
        assertEquals(2, upstreamCalls(body));
        String varied = agent("varied", "{\"nonDeterministic\":true}");
        assertEquals("miss", cacheHeader(post(varied, body)));
        assertEquals("hit", cacheHeader(post(varied, body)));
        String zero = chat(unique(), ",\"temperature\":0");
        assertEquals("miss", cacheHeader(post(strict, zero)));
        assertEquals("hit", cacheHeader(post(strict, zero)), "temperature 0 is cached");
    }

    @Test
    void should_share_answers_only_between_agents_of_the_shared_scope() {
        String body = chat(unique(), "");
        String own = agent("own-a", "true");
        String other = agent("own-b", "true");
        assertEquals("miss", cacheHeader(post(own, body)));
        assertEquals("miss", cacheHeader(post(other, body)), "no answer crosses from one agent to another");
        String sharedA = agent("shared-a", "{\"scope\":\"shared\"}");
        String sharedB = agent("shared-b", "{\"scope\":\"shared\"}");
        assertEquals("miss", cacheHeader(post(sharedA, body)));
        assertEquals("hit", cacheHeader(post(sharedB, body)));
        assertEquals(3, upstreamCalls(body));
    }

    @Test
    void should_refuse_a_malformed_cache_setting_and_show_the_setting() {
        HttpResponse<String> bad = gw.admin("POST", "/admin/api/agents", "{\"id\":\"bad-cache\",\"cache\":{\"mode\":\"fuzzy\"}}");
        assertEquals(400, bad.statusCode(), bad.body());
        assertEquals("cache.mode", read(bad.body()).at("/error/param").asText(), bad.body());
        HttpResponse<String> similarity = gw.admin("POST", "/admin/api/agents",
                "{\"id\":\"bad-similarity\",\"cache\":{\"mode\":\"semantic\",\"similarity\":1.5}}");
        assertEquals("cache.similarity", read(similarity.body()).at("/error/param").asText(), similarity.body());
        HttpResponse<String> ttl = gw.admin("POST", "/admin/api/agents", "{\"id\":\"bad-ttl\",\"cache\":{\"ttlSeconds\":0}}");
        assertEquals("cache.ttlSeconds", read(ttl.body()).at("/error/param").asText(), ttl.body());
        agent("shown", "{\"scope\":\"shared\",\"ttlSeconds\":60}");
        JsonNode shown = read(gw.admin("GET", "/admin/api/agents/shown", null).body()).path("cache");
        assertEquals("exact", shown.path("mode").asText(), shown.toString());
        assertEquals(60, shown.path("ttlSeconds").asInt(), shown.toString());
        assertEquals("shared", shown.path("scope").asText(), shown.toString());
    }

    @Test
    void should_answer_a_question_that_means_the_same_at_the_agents_similarity() {
        // Embeddings chosen by the test: the rephrased question at cosine 0.96 to the first, the other question at 0.
        String id = UUID.randomUUID().toString().substring(0, 8);
        String asked = "What is the capital of France? " + id;
        String rephrased = "capital city of France? " + id;
        String other = "Tell me a joke " + id;
        gw.fake.embedding(asked, 1, 0, 0, 0);
        gw.fake.embedding(rephrased, 0.96f, 0.28f, 0, 0);
        gw.fake.embedding(other, 0, 1, 0, 0);
        String key = agent("semantic-" + id, "{\"mode\":\"semantic\",\"similarity\":0.9}");
        HttpResponse<String> first = post(key, chat(asked, ""));
        assertEquals("miss", cacheHeader(first), first.body());
        HttpResponse<String> close = post(key, chat(rephrased, ""));
        assertEquals(200, close.statusCode(), close.body());
        assertEquals("hit", cacheHeader(close), "0.96 is above 0.9");
        assertEquals(read(first.body()).at("/choices/0/message/content"), read(close.body()).at("/choices/0/message/content"));
        assertTrue(gw.usageRow(requestId(close)).path("tags").asText().contains("semantic_similarity:0.96"));
        assertEquals("miss", cacheHeader(post(key, chat(other, ""))), "a question unlike the stored ones");

        String strict = agent("semantic-strict-" + id, "{\"mode\":\"semantic\",\"similarity\":0.99}");
        assertEquals("miss", cacheHeader(post(strict, chat(asked, ""))), "nothing crosses from another agent");
        assertEquals("miss", cacheHeader(post(strict, chat(rephrased, ""))), "0.96 is below 0.99");
        assertEquals("hit", cacheHeader(post(strict, chat(asked, ""))));

        // Each embedding is the agent's own request, recorded.
        long embeddings = 0;
        for (JsonNode row : read(gw.admin("GET", "/admin/api/usage?limit=500", null).body()).path("data")) {
            if (row.path("entry").asText().equals("semantic_cache") && row.path("caller").asText().equals("semantic-" + id)) {
                embeddings++;
                assertEquals("text-embedding-3-small", row.path("model").asText(), row.toString());
            }
        }
        assertEquals(3, embeddings, "each question the exact cache did not know was embedded once");
    }

    @Test
    void should_forget_a_semantic_answer_after_its_time_to_live() {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String asked = "How tall is Mont Blanc? " + id;
        String rephrased = "Mont Blanc height? " + id;
        gw.fake.embedding(asked, 0, 0, 1, 0);
        gw.fake.embedding(rephrased, 0, 0, 0.98f, 0.2f);
        String key = agent("semantic-short-" + id, "{\"mode\":\"semantic\",\"similarity\":0.9,\"ttlSeconds\":30}");
        assertEquals("miss", cacheHeader(post(key, chat(asked, ""))));
        clock.advance(Duration.ofSeconds(29));
        assertEquals("hit", cacheHeader(post(key, chat(rephrased, ""))));
        clock.advance(Duration.ofSeconds(2));
        assertEquals("miss", cacheHeader(post(key, chat(rephrased, ""))));
    }

    private static String unique() {
        return "cache test " + UUID.randomUUID();
    }

    private static String chat(String text, String params) {
        return "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]" + params + "}";
    }

    private HttpResponse<String> post(String key, String body, String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = "Authorization";
        all[1] = "Bearer " + key;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return gw.postChat(body, all);
    }

    /** How many calls the provider saw with this request's text ("cache test " and a UUID: 47 characters) in them. */
    private long upstreamCalls(String body) {
        String marker = body.contains("cache test ") ? body.substring(body.indexOf("cache test "), body.indexOf("cache test ") + 47) : body;
        return gw.fake.requests().stream().filter(r -> r.body() != null && r.body().contains(marker)).count();
    }

    private String agent(String id, String cache) {
        return agent(id, cache, "");
    }

    private String agent(String id, String cache, String more) {
        HttpResponse<String> created = gw.admin("POST", "/admin/api/agents", "{\"id\":\"" + id + "\",\"cache\":" + cache + more + "}");
        assertEquals(201, created.statusCode(), created.body());
        return read(created.body()).path("key").asText();
    }

    private static String cacheHeader(HttpResponse<String> r) {
        return r.headers().firstValue("x-switchboard-cache").orElse("(none)");
    }

    private static String requestId(HttpResponse<String> r) {
        return r.headers().firstValue("x-switchboard-request-id").orElseThrow();
    }

    private static JsonNode read(String json) {
        try {
            return Gateway.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }
}
