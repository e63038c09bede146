package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.fakes.FakeOpenAi;
import dev.switchboard.support.Gateway;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The add-provider workflow in two steps: {@code ?dryRun=true} checks the key and lists the models without adding
 * anything; the add then sets each discovered model's context window, prices and defaults, kept across a restart.
 */
class ProviderModelSettingsTest {
    private static final String PROVIDER = "{\"id\":\"priced\",\"type\":\"openai\",\"baseUrl\":\"%s\",\"apiKey\":\"sk-priced-0123456789abcdef\"%s}";

    @Test
    void should_list_then_add_discovered_models_with_their_settings_kept_across_a_restart() throws Exception {
        Path data = Files.createTempDirectory("switchboard-priced");
        try (FakeOpenAi upstream = FakeOpenAi.start()) {
            try (Gateway gw = Gateway.start(Map.of("SWITCHBOARD_DATA", data.toString()))) {
                HttpResponse<String> dry = gw.admin("POST", "/admin/api/providers?dryRun=true", PROVIDER.formatted(upstream.baseUrl(), ""));
                assertEquals(200, dry.statusCode(), dry.body());
                assertEquals("fake-model", Gateway.MAPPER.readTree(dry.body()).at("/models/0/upstreamId").asText());
                assertFalse(gw.admin("GET", "/admin/api/providers", null).body().contains("\"priced\""), "a dry run adds nothing");
                assertTrue(gw.admin("GET", "/admin/api/audit?limit=5", null).body().contains("providers.check"));

                assertRefused(gw, upstream, ",\"models\":{\"fake-model\":{\"price\":{\"input\":-1}}}", "models.fake-model");
                assertRefused(gw, upstream, ",\"models\":{\"not-listed\":{}}", "models.not-listed");
                assertRefused(gw, upstream, ",\"models\":{\"fake-model\":{\"deployments\":[]}}", "models.fake-model.deployments");
                assertRefused(gw, upstream, ",\"models\":[]", "models");

                HttpResponse<String> added = gw.admin("POST", "/admin/api/providers", PROVIDER.formatted(upstream.baseUrl(),
                        ",\"models\":{\"fake-model\":{\"contextWindow\":32000,\"price\":{\"input\":2000000,\"output\":0},\"defaults\":{\"temperature\":0.5}}}"));
                assertEquals(201, added.statusCode(), added.body());
                JsonNode model = Gateway.MAPPER.readTree(added.body()).at("/models/0");
                assertEquals(32000, model.path("contextWindow").asInt());
                assertEquals(2000000, model.path("inputPrice").asDouble(), 1e-9);
            }
            upstream.reset();
            try (Gateway again = Gateway.start(Map.of("SWITCHBOARD_DATA", data.toString()))) {
                HttpResponse<String> chat = again.postChat(Gateway.chatBody("fake-model", "hi"));
                assertEquals(200, chat.statusCode(), chat.body());
                assertEquals(0.5, upstream.requestsFor("fake-model").get(0).json().path("temperature").asDouble(), 1e-9, "the default survived");
                JsonNode row = again.usageRow(chat.headers().firstValue("x-switchboard-request-id").orElseThrow());
                assertTrue(row.path("cost_usd").asDouble() > 0, "the price survived: " + row);
            }
        }
    }

    private static void assertRefused(Gateway gw, FakeOpenAi upstream, String models, String param) throws Exception {
        HttpResponse<String> r = gw.admin("POST", "/admin/api/providers", PROVIDER.formatted(upstream.baseUrl(), models));
        assertEquals(400, r.statusCode(), r.body());
        assertEquals(param, Gateway.MAPPER.readTree(r.body()).at("/error/param").asText(), r.body());
        assertFalse(gw.admin("GET", "/admin/api/providers", null).body().contains("\"priced\""), "nothing added");
    }
}
