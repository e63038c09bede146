package dev.switchboard.frontdoor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * routes/*.yaml are live: a file dropped into the routes folder serves without a restart, a broken one is refused
 * with file:line while the others keep serving, a deleted one stops. The worked example of routes/README.md is run
 * as written.
 */
class LiveFrontDoorsTest {
    private static final Pattern README_YAML = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);
    private static Gateway gw;
    private static Path routes;

    @BeforeAll
    static void start() throws IOException {
        routes = Files.createTempDirectory("switchboard-routes");
        Files.copy(Path.of("routes/http.yaml"), routes.resolve("http.yaml"));
        Files.writeString(routes.resolve("clash.yaml"), door("chat", "platform-http:/clash", "to: direct:chat"));
        gw = Gateway.start(Map.of("SWITCHBOARD_ROUTES", routes.toString()));
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @Test
    void should_serve_the_readme_example_dropped_into_the_routes_folder_without_a_restart() throws IOException {
        Matcher yaml = README_YAML.matcher(Files.readString(Path.of("routes/README.md")));
        assertTrue(yaml.find(), "routes/README.md has a ```yaml worked example");
        Files.writeString(routes.resolve("support-desk.yaml"), yaml.group(1));

        HttpResponse<String> r = Await.until("the support desk path serves", Gateway.TIMEOUT,
                () -> post("/support/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"Summarise: the build fails since Monday.\"}]}"),
                res -> res.statusCode() != 404);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode row = gw.usageRow(r.headers().firstValue("x-switchboard-request-id").orElseThrow());
        assertEquals("support", row.path("entry").asText());
        assertEquals("support-desk", row.path("caller").asText());

        JsonNode file = fileEntry("support-desk.yaml");
        assertTrue(file.path("error").isNull(), file.toString());
        JsonNode route = file.path("routes").get(0);
        assertEquals("support-desk-chat", route.path("id").asText());
        assertEquals("Started", route.path("state").asText());
        assertTrue(route.path("from").asText().startsWith("platform-http:///support/v1/chat/completions"), route.toString());
        assertTrue(route.at("/exchanges/total").asLong() >= 1, route.toString());
    }

    @Test
    void should_refuse_a_broken_file_with_file_and_line_while_the_others_keep_serving() throws IOException {
        Files.writeString(routes.resolve("broken.yaml"), """
                - route:
                    id: broken-door
                    from:
                      uri: platform-http:/broken
                      steps:
                        - setVariable: {name: entry, constant: broken
                        - to: direct:chat
                """);
        JsonNode error = Await.until("broken.yaml refused", Gateway.TIMEOUT, () -> fileEntry("broken.yaml").path("error"),
                e -> e.isObject());
        assertEquals(7, error.path("line").asInt(), error.toString());
        assertTrue(error.path("text").asText().startsWith("broken.yaml:7: "), error.toString());
        assertTrue(fileEntry("broken.yaml").path("routes").isEmpty());

        assertEquals(200, gw.postChat(Gateway.chatBody("gpt-4o-mini", "still here")).statusCode(), "http.yaml keeps serving");
        assertEquals(404, post("/broken", Gateway.chatBody("gpt-4o-mini", "hi")).statusCode());
    }

    @Test
    void should_list_the_front_doors_to_a_viewer_token() throws IOException {
        HttpResponse<String> made = gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + "/admin/api/tokens"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"dashboard\",\"role\":\"viewer\"}")).build());
        assertEquals(201, made.statusCode(), made.body());
        String viewer = Gateway.MAPPER.readTree(made.body()).path("token").asText();

        HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + "/admin/api/routes"))
                .header("Authorization", "Bearer " + viewer).GET().build());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"http-chat\""), r.body());
        assertEquals(401, gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + "/admin/api/routes"))
                .header("Authorization", "Bearer nope").GET().build()).statusCode());
    }

    @Test
    void should_start_without_a_file_refused_at_start_and_serve_the_others() {
        JsonNode error = fileEntry("clash.yaml").path("error");
        assertEquals("clash.yaml:1: route id 'chat' is taken by another route (the pipeline's or another file's)", error.path("text").asText());
        assertEquals(200, gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi")).statusCode());
    }

    @Test
    void should_keep_a_changed_file_s_old_routes_when_the_change_is_refused_and_stop_them_when_it_is_deleted() throws IOException {
        Path file = routes.resolve("team.yaml");
        Files.writeString(file, door("team-chat", "platform-http:/team/chat", "to: direct:chat"));
        Await.until("team.yaml serves", Gateway.TIMEOUT, () -> post("/team/chat", Gateway.chatBody("gpt-4o-mini", "hi")),
                r -> r.statusCode() == 200);

        // Each of these is refused with the line of the route and changes nothing.
        assertRefused(file, door("team-chat", "platform-http:/team/chat", "to: direct:nowhere-else"), 1, "does not end in the pipeline");
        assertRefused(file, door("team-chat", "direct:chat", "to: direct:chat"), 1, "the pipeline's own entry");
        assertRefused(file, door("http-chat", "platform-http:/team/chat", "to: direct:chat"), 1, "is taken by another route");
        assertRefused(file, door("team-chat", "platform-http:/team/chat", "to: nosuchcomponent:x"), 7, "cannot be resolved");
        assertEquals(200, post("/team/chat", Gateway.chatBody("gpt-4o-mini", "hi")).statusCode(), "the old version keeps serving");

        Files.delete(file);
        Await.until("team.yaml's route stops", Gateway.TIMEOUT, () -> post("/team/chat", Gateway.chatBody("gpt-4o-mini", "hi")),
                r -> r.statusCode() == 404);
        Await.until("team.yaml leaves the list", Gateway.TIMEOUT, () -> fileEntry("team.yaml"), JsonNode::isMissingNode);

        Files.writeString(file, door("team-chat", "platform-http:/team/chat", "to: direct:chat"));
        Await.until("team.yaml serves again", Gateway.TIMEOUT, () -> post("/team/chat", Gateway.chatBody("gpt-4o-mini", "hi")),
                r -> r.statusCode() == 200);
    }

    private static void assertRefused(Path file, String text, int line, String reason) throws IOException {
        Files.writeString(file, text);
        JsonNode error = Await.until(file.getFileName() + " refused: " + reason, Gateway.TIMEOUT,
                () -> fileEntry(file.getFileName().toString()).path("error"),
                e -> e.isObject() && e.path("message").asText().contains(reason));
        assertEquals(line, error.path("line").asInt(), error.toString());
        JsonNode route = fileEntry(file.getFileName().toString()).path("routes").get(0);
        assertEquals("team-chat", route.path("id").asText());
        assertEquals("Started", route.path("state").asText());
        assertFalse(route.path("from").asText().isEmpty());
    }

    private static String door(String id, String from, String last) {
        return """
                - route:
                    id: %s
                    from:
                      uri: %s
                      steps:
                        - setVariable: {name: entry, constant: team}
                        - %s
                """.formatted(id, from, last);
    }

    /** The file's entry in GET /admin/api/routes; a missing node when it is not listed. */
    static JsonNode fileEntry(String name) {
        HttpResponse<String> r = gw.get(gw.managementUrl() + "/admin/api/routes");
        assertEquals(200, r.statusCode(), r.body());
        try {
            for (JsonNode f : Gateway.MAPPER.readTree(r.body()).path("files")) {
                if (f.path("file").asText().equals(name)) {
                    return f;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static HttpResponse<String> post(String path, String json) {
        return gw.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.app.port() + path)).timeout(Gateway.TIMEOUT)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }
}
