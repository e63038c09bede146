package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Gateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code /admin/api/settings}: every role reads where each global setting comes from; an editor changes the budget
 * alerts only, an admin anything; invalid values are refused naming the field and change nothing; each write is
 * audited and served at once (the next unkeyed request, the next retention run), and a reset serves the environment's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GlobalSettingsTest {
    private static final String SETTINGS = "/admin/api/settings";
    private Gateway gw;
    private String viewer;
    private String editor;

    @BeforeAll
    void start() {
        gw = Gateway.start(Map.of("SWITCHBOARD_RETENTION_DAYS", "45"));
        viewer = gw.createToken("settings-viewer", "viewer");
        editor = gw.createToken("settings-editor", "editor");
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    private HttpResponse<String> call(String method, String path, String token, String body) {
        return gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private JsonNode setting(String name) throws Exception {
        HttpResponse<String> r = call("GET", SETTINGS, viewer, null);
        assertEquals(200, r.statusCode(), r.body());
        return Gateway.MAPPER.readTree(r.body()).path("settings").path(name);
    }

    private void assertRefused(int status, String token, String body, String param) throws Exception {
        HttpResponse<String> r = call("PUT", SETTINGS, token, body);
        assertEquals(status, r.statusCode(), body + " -> " + r.body());
        assertEquals(param, Gateway.MAPPER.readTree(r.body()).at("/error/param").asText(), body + " -> " + r.body());
    }

    @Test
    void should_show_each_settings_source_and_refuse_what_a_role_may_not_change() throws Exception {
        assertEquals("environment", setting("retentionDays").path("source").asText());
        assertEquals(45, setting("retentionDays").path("value").asInt());
        assertEquals("default", setting("responsesRetentionDays").path("source").asText());
        assertEquals(30, setting("responsesRetentionDays").path("value").asInt());
        assertEquals("[50,80,100]", setting("budgetAlertPercents").path("value").toString());
        assertEquals("admin", setting("allowAnonymous").path("role").asText());

        assertEquals(403, call("PUT", SETTINGS, viewer, "{\"budgetAlertPercents\":[10]}").statusCode(), "a viewer only reads");
        assertEquals(403, call("DELETE", SETTINGS + "/budgetAlertPercents", viewer, null).statusCode());
        assertRefused(403, editor, "{\"allowAnonymous\":false}", "allowAnonymous");
        assertRefused(403, editor, "{\"retentionDays\":1}", "retentionDays");
        assertEquals(45, setting("retentionDays").path("value").asInt(), "nothing stored");

        HttpResponse<String> alerts = call("PUT", SETTINGS, editor, "{\"budgetAlertPercents\":[25,75]}");
        assertEquals(200, alerts.statusCode(), alerts.body());
        assertEquals("database", setting("budgetAlertPercents").path("source").asText());
        assertEquals("[25,75]", setting("budgetAlertPercents").path("value").toString());
        assertEquals(200, call("DELETE", SETTINGS + "/budgetAlertPercents", editor, null).statusCode());
        assertEquals("default", setting("budgetAlertPercents").path("source").asText());

        String audit = gw.admin("GET", "/admin/api/audit?limit=100", null).body();
        assertTrue(audit.contains("settings.update") && audit.contains("budgetAlertPercents = 25,75") && audit.contains("settings-editor"), audit);
        assertTrue(audit.contains("allowAnonymous is changed by an admin only") && audit.contains("\"denied\""), audit);
    }

    @Test
    void should_refuse_invalid_values_naming_the_field_and_store_none_of_the_change() throws Exception {
        String[][] invalid = {
                {"{\"retentionDays\":0}", "retentionDays"}, {"{\"retentionDays\":3651}", "retentionDays"},
                {"{\"retentionDays\":\"ninety\"}", "retentionDays"}, {"{\"retentionDays\":1.5}", "retentionDays"},
                {"{\"responsesRetentionDays\":-1}", "responsesRetentionDays"},
                {"{\"budgetAlertPercents\":[80,50]}", "budgetAlertPercents"}, {"{\"budgetAlertPercents\":[50,50]}", "budgetAlertPercents"},
                {"{\"budgetAlertPercents\":[0]}", "budgetAlertPercents"}, {"{\"budgetAlertPercents\":[101]}", "budgetAlertPercents"},
                {"{\"budgetAlertPercents\":[]}", "budgetAlertPercents"}, {"{\"budgetAlertPercents\":\"50\"}", "budgetAlertPercents"},
                {"{\"budgetAlertPercents\":[1,2,3,4,5,6,7,8,9,10,11]}", "budgetAlertPercents"},
                {"{\"allowAnonymous\":\"true\"}", "allowAnonymous"}, {"{\"allowAnonymous\":1}", "allowAnonymous"},
                {"{\"defaultModel\":\"gpt-4o\"}", "defaultModel"},
                {"{\"retentionDays\":90,\"allowAnonymous\":\"maybe\"}", "allowAnonymous"},
        };
        for (String[] c : invalid) {
            assertRefused(400, Gateway.ADMIN_TOKEN, c[0], c[1]);
        }
        assertEquals(400, call("PUT", SETTINGS, Gateway.ADMIN_TOKEN, "not json").statusCode());
        assertEquals(400, call("DELETE", SETTINGS + "/nothing", Gateway.ADMIN_TOKEN, null).statusCode());
        assertEquals(45, setting("retentionDays").path("value").asInt(), "a change with one invalid field stores none of it");
        assertTrue(gw.admin("GET", "/admin/api/audit?limit=100", null).body().contains("\"refused\""));
    }

    @Test
    void should_apply_a_change_to_the_next_request_and_the_next_retention_run_without_restart() throws Exception {
        HttpResponse<String> served = gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"));
        assertEquals(200, served.statusCode(), "SWITCHBOARD_ALLOW_ANONYMOUS=true: " + served.body());
        gw.usageRow(served.headers().firstValue("x-switchboard-request-id").orElseThrow());

        HttpResponse<String> closed = call("PUT", SETTINGS, Gateway.ADMIN_TOKEN, "{\"allowAnonymous\":false,\"retentionDays\":5}");
        assertEquals(200, closed.statusCode(), closed.body());
        HttpResponse<String> refused = gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"));
        assertEquals(401, refused.statusCode(), refused.body());
        assertEquals("missing_agent_key", Gateway.MAPPER.readTree(refused.body()).at("/error/code").asText());
        JsonNode health = Gateway.MAPPER.readTree(gw.get(gw.managementUrl() + "/health").body()).path("anonymous");
        assertEquals("no", health.path("allowed").asText(), health.toString());
        assertTrue(health.path("reason").asText().contains("global setting"), health.toString());

        // Ten days on, the row of the request above is past the 5 days now in force (it was within the environment's 45).
        assertTrue(gw.app.retention().run(Instant.now().plus(Duration.ofDays(10))).rawRows() >= 1, "the new period serves");

        assertEquals(200, call("DELETE", SETTINGS + "/allowAnonymous", Gateway.ADMIN_TOKEN, null).statusCode());
        assertEquals(200, call("PUT", SETTINGS, Gateway.ADMIN_TOKEN, "{\"retentionDays\":null}").statusCode());
        assertEquals("environment", setting("allowAnonymous").path("source").asText());
        assertEquals(45, setting("retentionDays").path("value").asInt());
        assertEquals(200, gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi")).statusCode(), "the environment's value serves again");
    }
}
