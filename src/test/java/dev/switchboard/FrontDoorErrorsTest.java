package dev.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 9, item 11: {@code GET /v1/nothing-here} answered an HTML page, {@code POST /v1/models} a 405 with an
 * empty body and {@code x-switchboard-tags: a,a} a 500. Every answer under /v1 is now JSON in the caller's API
 * shape: OpenAI's, or Anthropic's under /v1/messages.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FrontDoorErrorsTest {
    private static final int MAX_BODY_BYTES = 32 * 1024 * 1024;

    private Gateway gateway;

    @BeforeAll
    void start() {
        gateway = Gateway.start();
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    @Test
    void should_answer_an_unknown_path_404_in_openai_shape() {
        HttpResponse<String> r = send("GET", "/v1/nothing-here", null);

        assertEquals(404, r.statusCode(), r.body());
        JsonNode error = openAiError(r);
        assertEquals("invalid_request_error", error.path("type").asText(), r.body());
        assertTrue(error.path("message").asText().contains("/v1/nothing-here"), r.body());
        assertEquals(404, send("POST", "/", "{}").statusCode(), "outside /v1 as well");
    }

    @Test
    void should_answer_a_wrong_method_405_with_allow_in_openai_shape() {
        HttpResponse<String> postModels = send("POST", "/v1/models", "{}");
        assertEquals(405, postModels.statusCode(), postModels.body());
        assertEquals("GET", postModels.headers().firstValue("Allow").orElse(""), "the Allow header names the method to use");
        assertEquals("method_not_allowed", openAiError(postModels).path("code").asText(), postModels.body());

        HttpResponse<String> getChat = send("GET", "/v1/chat/completions", null);
        assertEquals(405, getChat.statusCode(), getChat.body());
        assertEquals("POST", getChat.headers().firstValue("Allow").orElse(""));
        assertTrue(openAiError(getChat).path("message").asText().contains("POST"), getChat.body());

        assertEquals(405, send("DELETE", "/v1/embeddings", null).statusCode());
    }

    @Test
    void should_answer_in_anthropic_shape_under_v1_messages() {
        HttpResponse<String> wrongMethod = send("GET", "/v1/messages", null);
        assertEquals(405, wrongMethod.statusCode(), wrongMethod.body());
        assertEquals("POST", wrongMethod.headers().firstValue("Allow").orElse(""));
        JsonNode body = json(wrongMethod);
        assertEquals("error", body.path("type").asText(), wrongMethod.body());
        assertEquals("invalid_request_error", body.path("error").path("type").asText(), wrongMethod.body());

        HttpResponse<String> unknown = send("POST", "/v1/messages/batches", "{}");
        assertEquals(404, unknown.statusCode(), unknown.body());
        assertEquals("not_found_error", json(unknown).path("error").path("type").asText(), unknown.body());
    }

    @Test
    void should_answer_a_body_over_the_limit_413_in_json() {
        String huge = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(MAX_BODY_BYTES) + "\"}]}";

        HttpResponse<String> r = send("POST", "/v1/chat/completions", huge);

        assertEquals(413, r.statusCode(), "status");
        assertEquals("request_too_large", openAiError(r).path("code").asText(), r.body());
    }

    @Test
    void should_refuse_a_form_body_415_before_the_http_layer_parses_it() {
        // Over Vert.x's 8 KiB form attribute limit: parsed as a form, this was a 400 with an empty body.
        String form = "a=" + "x".repeat(50_000);

        HttpResponse<String> r = gateway.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/chat/completions"))
                .timeout(Gateway.TIMEOUT).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build());

        assertEquals(415, r.statusCode(), r.body());
        assertEquals("unsupported_media_type", openAiError(r).path("code").asText(), r.body());
    }

    @Test
    void should_answer_headers_over_the_http_limit_431_in_json() {
        HttpResponse<String> r = gateway.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-tags", "a".repeat(10_000));

        assertEquals(431, r.statusCode(), r.body());
        assertEquals("headers_too_large", openAiError(r).path("code").asText(), r.body());
    }

    @Test
    void should_answer_a_request_line_over_the_http_limit_414_in_json() {
        HttpResponse<String> r = send("GET", "/v1/models?x=" + "a".repeat(5_000), null);

        assertEquals(414, r.statusCode(), r.body());
        assertEquals("uri_too_long", openAiError(r).path("code").asText(), r.body());
    }

    @Test
    void should_refuse_a_max_tokens_that_would_wrap_on_every_door() {
        String messages = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":18446744073709551617,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        HttpResponse<String> anthropic = send("POST", "/v1/messages", messages);
        HttpResponse<String> openAi = send("POST", "/v1/chat/completions", messages);

        assertEquals(400, anthropic.statusCode(), "2^64+1 must not wrap to 1: " + anthropic.body());
        assertTrue(json(anthropic).path("error").path("message").asText().contains("max_tokens"), anthropic.body());
        assertEquals(400, openAi.statusCode(), openAi.body());
        assertEquals("max_tokens", openAiError(openAi).path("param").asText(), openAi.body());
    }

    @Test
    void should_answer_duplicate_tags_without_a_server_error() {
        HttpResponse<String> r = gateway.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-tags", "a,a");

        assertEquals(200, r.statusCode(), "duplicate tags are merged: " + r.body());
    }

    private HttpResponse<String> send(String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.app.port() + path))
                .timeout(Gateway.TIMEOUT).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return gateway.send(b.build());
    }

    private static JsonNode openAiError(HttpResponse<String> r) {
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""), r.body());
        JsonNode error = json(r).path("error");
        assertTrue(error.isObject(), "an OpenAI error object: " + r.body());
        assertTrue(error.has("param") && error.has("code") && error.has("type"), "OpenAI's four fields: " + r.body());
        assertFalse(error.path("message").asText().isBlank(), r.body());
        return error;
    }

    private static JsonNode json(HttpResponse<String> r) {
        try {
            return Gateway.MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (" + r.statusCode() + "): " + r.body(), e);
        }
    }
}
