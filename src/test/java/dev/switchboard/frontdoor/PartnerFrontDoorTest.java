package dev.switchboard.frontdoor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shipped sample routes/partner-http.yaml: a second HTTP path mapping a partner's own header to the caller. */
class PartnerFrontDoorTest {
    private static Gateway gw;

    @BeforeAll
    static void start() {
        gw = Gateway.start();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @Test
    void should_record_the_partner_team_as_the_caller_with_entry_partner_and_ignore_forged_gateway_headers() {
        HttpResponse<String> r = partner(Gateway.chatBody("gpt-4o-mini", "hi"), "X-Partner-Team", "claims",
                "X-Switchboard-Agent", "someone-else", "X-Switchboard-User-Tier", "nonsense", "X-SWITCHBOARD-TAGS", "free-for-all");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode row = gw.usageRow(requestId(r));
        assertEquals("partner", row.path("entry").asText());
        assertEquals("partner-claims", row.path("caller").asText());
        List<String> tags = List.of(row.path("tags").asText().split(","));
        assertTrue(tags.contains("partner") && !tags.contains("free-for-all"), row.toString());
    }

    @Test
    void should_name_a_caller_without_a_valid_team_partner_unknown() {
        HttpResponse<String> r = partner(Gateway.chatBody("gpt-4o-mini", "hi"), "X-Partner-Team", "../../etc,admin");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("partner-unknown", gw.usageRow(requestId(r)).path("caller").asText());
    }

    @Test
    void should_let_an_agent_key_name_its_agent_and_refuse_an_unknown_key_like_v1() throws IOException {
        HttpResponse<String> created = gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + "/admin/api/agents"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"claims-bot\"}")).build());
        assertEquals(201, created.statusCode(), created.body());
        String key = Gateway.MAPPER.readTree(created.body()).path("key").asText();

        HttpResponse<String> r = partner(Gateway.chatBody("gpt-4o-mini", "hi"), "X-Partner-Team", "claims", "Authorization", "Bearer " + key);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("claims-bot", gw.usageRow(requestId(r)).path("caller").asText());

        HttpResponse<String> refused = partner(Gateway.chatBody("gpt-4o-mini", "hi"), "Authorization", "Bearer sk-sb-not-a-key");
        assertEquals(401, refused.statusCode(), refused.body());
        assertEquals("invalid_api_key", Gateway.MAPPER.readTree(refused.body()).at("/error/code").asText());
    }

    @Test
    void should_answer_a_bad_request_in_openai_shape_naming_the_param() throws IOException {
        HttpResponse<String> r = partner("{\"model\":\"gpt-4o-mini\",\"messages\":[],\"temperature\":9}", "X-Partner-Team", "claims");
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("messages", Gateway.MAPPER.readTree(r.body()).at("/error/param").asText());
        JsonNode counts = dev.switchboard.support.Await.until("the refusal counted as failed", Gateway.TIMEOUT,
                PartnerFrontDoorTest::partnerExchanges, c -> c.path("failed").asLong() >= 1);
        assertTrue(counts.path("total").asLong() >= counts.path("failed").asLong(), counts.toString());
        assertEquals(0, counts.path("inflight").asLong(), counts.toString());
    }

    /** partner-chat's counters in GET /admin/api/routes. */
    private static JsonNode partnerExchanges() {
        try {
            JsonNode list = Gateway.MAPPER.readTree(gw.get(gw.managementUrl() + "/admin/api/routes").body());
            for (JsonNode file : list.path("files")) {
                if (file.path("file").asText().equals("partner-http.yaml")) {
                    return file.at("/routes/0/exchanges");
                }
            }
            throw new AssertionError("partner-http.yaml is not listed: " + list);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> partner(String json, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.app.port() + "/partner/v1/chat"))
                .timeout(Gateway.TIMEOUT).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return gw.send(b.build());
    }

    private static String requestId(HttpResponse<String> r) {
        return r.headers().firstValue("x-switchboard-request-id").orElseThrow();
    }
}
