package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.fakes.FakeOpenAi;
import dev.switchboard.support.Gateway;
import dev.switchboard.support.TestDatabase;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A provider added through the API survives a restart, its key sealed at rest and still usable. */
class ProviderPersistenceTest {
    private static final String KEY = "sk-persisted-provider-key-0123456789abcdef";

    @Test
    void should_keep_the_catalog_an_added_provider_and_its_sealed_key_across_a_restart() throws Exception {
        Path data = Files.createTempDirectory("switchboard-persist");
        try (FakeOpenAi upstream = FakeOpenAi.start()) {
            try (Gateway first = Gateway.start(Map.of("SWITCHBOARD_DATA", data.toString()))) {
                HttpResponse<String> added = first.send(HttpRequest.newBuilder(URI.create(first.managementUrl() + "/admin/api/providers"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                                "{\"id\":\"kept\",\"type\":\"openai\",\"baseUrl\":\"" + upstream.baseUrl() + "\",\"apiKey\":\"" + KEY + "\"}")).build());
                assertEquals(201, added.statusCode(), added.body());
                String seed = first.get(first.managementUrl() + "/admin/api/config/export").body();
                HttpResponse<String> imported = first.send(HttpRequest.newBuilder(URI.create(first.managementUrl() + "/admin/api/config/import"))
                        .POST(HttpRequest.BodyPublishers.ofString(seed.substring(0, seed.indexOf("\n# Providers added")).replace("models:\n",
                                "models:\n  - {id: kept-model, provider: openai, contextWindow: 4000, price: {input: 1, output: 1}}\n"))).build());
                assertEquals(200, imported.statusCode(), imported.body());
            }
            TestDatabase database = TestDatabase.of(data);
            try (Connection c = database.connect();
                 ResultSet rs = c.createStatement().executeQuery("SELECT sealed_key FROM added_provider WHERE id = 'kept'")) {
                assertTrue(rs.next());
                String sealed = rs.getString(1);
                assertTrue(sealed.startsWith("v1:"), "sealed with AES-GCM");
                assertFalse(sealed.contains(KEY) || sealed.contains(KEY.substring(3, 20)), "never in clear at rest");
            }
            database.release();
            upstream.reset();
            try (Gateway second = Gateway.start(Map.of("SWITCHBOARD_DATA", data.toString()))) {
                String providers = second.get(second.managementUrl() + "/admin/api/providers").body();
                assertTrue(providers.contains("\"kept\""), providers);
                assertFalse(providers.contains(KEY));
                HttpResponse<String> chat = second.postChat(Gateway.chatBody("fake-model", "hi"));
                assertEquals(200, chat.statusCode(), chat.body());
                assertEquals("kept", chat.headers().firstValue("x-switchboard-provider").orElse(""));
                assertEquals("Bearer " + KEY, upstream.requestsFor("fake-model").get(0).header("authorization"),
                        "the key was unsealed with the same master key");
                assertEquals(200, second.postChat(Gateway.chatBody("kept-model", "hi")).statusCode(), "the catalog version survived");
            }
        }
    }
}
