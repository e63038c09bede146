package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.switchboard.fakes.FakeServer.Recorded;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import dev.switchboard.support.TestDatabase;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A key rotated through the API serves on every instance sharing the database (same master key) and outlives every
 * later catalog version: writes, imports and rollbacks keep it, here and on the other instance, which polls.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RotatedKeyTest {
    private static final String ROTATED = "sk-rotated-key-9876543210fedcba";
    private Gateway gw;
    private Gateway other;

    @BeforeAll
    void start() {
        byte[] master = new byte[32];
        new java.security.SecureRandom().nextBytes(master);
        Map<String, String> shared = new java.util.HashMap<>(TestDatabase.fresh("rotated").env());
        shared.put("SWITCHBOARD_MASTER_KEY", java.util.Base64.getEncoder().encodeToString(master));
        gw = Gateway.start(shared);
        other = Gateway.start(shared);
    }

    @AfterAll
    void stop() {
        other.close(); // first: the in-memory database goes with the last instance's shutdown
        gw.close();
    }

    /** The Authorization header the provider received for one chat request made now through {@code gateway}. */
    private static String keySeenByProvider(Gateway gateway) {
        gateway.fake.reset();
        HttpResponse<String> r = gateway.postChat(Gateway.chatBody("gpt-4o-mini", "which key?"));
        assertEquals(200, r.statusCode(), r.body());
        List<Recorded> calls = gateway.fake.requestsFor("gpt-4o-mini");
        assertEquals(1, calls.size());
        return calls.get(0).header("authorization");
    }

    private String keySeenByProvider() {
        return keySeenByProvider(gw);
    }

    /** The other instance's key once it serves the catalog version {@code version} (it polls every second). */
    private String keySeenThroughOtherInstanceAt(int version) {
        Await.until("the other instance serves version " + version, Gateway.TIMEOUT,
                () -> other.get(other.managementUrl() + "/admin/api/config/versions").body(), body -> body.contains("\"current\":" + version));
        return keySeenByProvider(other);
    }

    @Test
    void should_keep_the_rotated_key_across_catalog_writes_imports_and_rollbacks() {
        assertEquals("Bearer " + Gateway.PROVIDER_KEY, keySeenByProvider(), "the environment's key before the rotation");
        HttpResponse<String> rotated = gw.admin("PUT", "/admin/api/providers/openai/key", "{\"apiKey\":\"" + ROTATED + "\"}");
        assertEquals(200, rotated.statusCode(), rotated.body());
        assertEquals("Bearer " + ROTATED, keySeenByProvider());
        Await.until("the other instance serves the rotated key", Gateway.TIMEOUT, () -> keySeenByProvider(other), ("Bearer " + ROTATED)::equals);

        HttpResponse<String> put = gw.admin("PUT", "/admin/api/catalog/models/extra",
                "{\"provider\":\"openai\",\"contextWindow\":8000,\"price\":{\"input\":1,\"output\":2}}");
        assertEquals(200, put.statusCode(), put.body());
        assertEquals("Bearer " + ROTATED, keySeenByProvider(), "after a catalog write");
        assertEquals("Bearer " + ROTATED, keySeenThroughOtherInstanceAt(2), "on another instance after it polled the write");

        HttpResponse<String> imported = gw.admin("POST", "/admin/api/config/import?comment=same+again", gw.admin("GET", "/admin/api/config/export", null).body()
                .replaceAll("(?s)\n# Providers added through the management API.*", ""));
        assertEquals(200, imported.statusCode(), imported.body());
        assertEquals("Bearer " + ROTATED, keySeenByProvider(), "after an import");

        HttpResponse<String> rollback = gw.admin("POST", "/admin/api/config/versions/1/rollback", null);
        assertEquals(200, rollback.statusCode(), rollback.body());
        assertEquals("Bearer " + ROTATED, keySeenByProvider(), "after a rollback");
        assertEquals("Bearer " + ROTATED, keySeenThroughOtherInstanceAt(4), "on another instance after it polled the rollback");
    }
}
