package dev.switchboard.ui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.providers.Json;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * One request of the browser for a fragment: who asked (their token and role) and the management API, called with
 * that same token. Templates get {@code viewer} (a {@link Viewer}) with every render, to offer only what the role may do.
 */
public final class UiCall {
    private static final String JSON = "application/json";

    private final RoutingContext ctx;
    private final ApiClient api;
    private final Templates templates;
    private final String bearer;
    private final Viewer viewer;

    UiCall(RoutingContext ctx, ApiClient api, Templates templates, String bearer, Viewer viewer) {
        this.ctx = ctx;
        this.api = api;
        this.templates = templates;
        this.bearer = bearer;
        this.viewer = viewer;
    }

    public Viewer viewer() {
        return viewer;
    }

    public Future<ApiAnswer> get(String apiPath) {
        return api.send(bearer, HttpMethod.GET, apiPath, null, null);
    }

    public Future<ApiAnswer> post(String apiPath, JsonNode body) {
        return api.send(bearer, HttpMethod.POST, apiPath, Buffer.buffer(Json.bytes(body)), JSON);
    }

    public Future<ApiAnswer> put(String apiPath, JsonNode body) {
        return api.send(bearer, HttpMethod.PUT, apiPath, Buffer.buffer(Json.bytes(body)), JSON);
    }

    public Future<ApiAnswer> delete(String apiPath) {
        return api.send(bearer, HttpMethod.DELETE, apiPath, null, null);
    }

    /** Any other call: a body of another type (YAML, DRL text), or none when {@code body} is null. */
    public Future<ApiAnswer> send(HttpMethod method, String apiPath, Buffer body, String contentType) {
        return api.send(bearer, method, apiPath, body, contentType);
    }

    /** A value made safe for a path segment or a query value of an API call. */
    public static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A path parameter of the fragment's route ({@code /ui/f/agents/:id}). */
    public String pathParam(String name) {
        return ctx.pathParam(name);
    }

    /** A query parameter of the fragment's request, or null. */
    public String query(String name) {
        return ctx.request().getParam(name);
    }

    /** The fields of a submitted form (htmx sends forms url-encoded). */
    public MultiMap form() {
        return ctx.request().formAttributes();
    }

    public Rendered render(String template, Map<String, Object> params) {
        return render(200, template, params);
    }

    public Rendered render(int status, String template, Map<String, Object> params) {
        Map<String, Object> all = new HashMap<>(params);
        all.put("viewer", viewer);
        return new Rendered(status, templates.render(template, all));
    }

    /** The API's refusal shown where the fragment would be, with its status (htmx swaps 4xx answers too). */
    public Rendered refused(ApiAnswer answer) {
        return render(answer.status(), "partials/error.jte", Map.of("message", answer.errorMessage()));
    }
}
