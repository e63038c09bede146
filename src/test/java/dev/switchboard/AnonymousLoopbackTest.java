package dev.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Gateway;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** With a provider key in the environment and no decision made, unkeyed callers on this machine are still served. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnonymousLoopbackTest {
    private Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.start(Map.of("SWITCHBOARD_ALLOW_ANONYMOUS", ""));
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    @Test
    void should_serve_unkeyed_loopback_callers_and_say_so_in_health() throws Exception {
        JsonNode policy = Gateway.MAPPER.readTree(gw.get(gw.managementUrl() + "/health").body()).path("anonymous");
        assertEquals("loopback-only", policy.path("allowed").asText(), policy.toString());
        assertTrue(policy.path("reason").asText().contains("openai"), policy.toString());
        HttpResponse<String> r = gw.postChat(Gateway.chatBody("gpt-4o-mini", "from this machine"));
        assertEquals(200, r.statusCode(), "the README's first curl works on the same machine: " + r.body());
        assertEquals("openai", r.headers().firstValue("x-switchboard-provider").orElse(""));
    }
}
