package dev.switchboard.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ErrorBodies;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.api.GatewayError;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.CatalogHolder;
import dev.switchboard.providers.Adapters;
import io.vertx.ext.web.handler.BodyHandler;
import dev.switchboard.catalog.ModelSpec;
import dev.switchboard.catalog.ProviderSpec;
import dev.switchboard.providers.Json;
import dev.switchboard.recording.UsageWriter;
import dev.switchboard.resilience.BreakerRegistry;
import dev.switchboard.routing.RuleError;
import dev.switchboard.routing.RulesHolder;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.camel.ProducerTemplate;

/**
 * The management plane on its own port (loopback by default): Prometheus {@code /metrics}, {@code /health}
 * and the read side of {@code /admin/api}. Database reads run on worker threads, never on the event loop.
 */
public final class ManagementServer implements AutoCloseable {
    private static final int MAX_PAGE = 500;

    private final Vertx vertx;
    private final PrometheusMeterRegistry metrics;
    private final RulesHolder rules;
    private final Supplier<Catalog> catalog;
    private final BreakerRegistry breakers;
    private final UsageWriter writer;
    private final ProducerTemplate producer;
    private final String dataSourceName;
    private final String adminToken;
    private final ProviderRegistrar registrar;
    private final Supplier<ObjectNode> providerStatus;
    private HttpServer server;

    public ManagementServer(Vertx vertx, PrometheusMeterRegistry metrics, RulesHolder rules, CatalogHolder catalog,
                            Adapters adapters, BreakerRegistry breakers, UsageWriter writer, ProducerTemplate producer,
                            String dataSourceName, String adminToken, Supplier<ObjectNode> providerStatus) {
        this.vertx = vertx;
        this.metrics = metrics;
        this.rules = rules;
        this.catalog = catalog;
        this.breakers = breakers;
        this.writer = writer;
        this.producer = producer;
        this.dataSourceName = dataSourceName;
        this.adminToken = adminToken;
        this.registrar = new ProviderRegistrar(catalog, adapters, producer);
        this.providerStatus = providerStatus;
    }

    public ManagementServer start(String host, int port) {
        Router router = Router.router(vertx);
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
        router.get("/health").handler(this::health);
        router.route("/admin/api/*").handler(this::authorize);
        router.get("/admin/api/rules").handler(ctx -> json(ctx, 200, rulesStatus()));
        router.get("/admin/api/providers").handler(ctx -> json(ctx, 200, providers()));
        router.get("/admin/api/providers/status").handler(ctx -> json(ctx, 200, providerStatus.get()));
        router.get("/admin/api/usage").blockingHandler(this::usage, false);
        router.post("/admin/api/providers").handler(BodyHandler.create().setBodyLimit(64 * 1024)).blockingHandler(this::addProvider, false);
        router.route().last().handler(ctx -> json(ctx, 404, ErrorBodies.openAi(
                "No management endpoint " + ctx.request().method() + " " + ctx.request().path()
                        + "; see /health, /metrics, /admin/api/rules, /admin/api/providers, /admin/api/usage",
                "invalid_request_error", null, "not_found")));
        try {
            server = vertx.createHttpServer().requestHandler(router).listen(port, host)
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the management server on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        return this;
    }

    public int port() {
        return server.actualPort();
    }

    private void authorize(RoutingContext ctx) {
        if (adminToken == null || adminToken.isBlank()) {
            ctx.next();
            return;
        }
        String auth = ctx.request().getHeader("Authorization");
        String given = auth != null && auth.startsWith("Bearer ") ? auth.substring(7).trim() : "";
        if (MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), adminToken.getBytes(StandardCharsets.UTF_8))) {
            ctx.next();
        } else {
            json(ctx, 401, ErrorBodies.openAi("The management API needs 'Authorization: Bearer <SWITCHBOARD_ADMIN_TOKEN>'",
                    "authentication_error", null, "invalid_admin_token"));
        }
    }

    private void health(RoutingContext ctx) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        boolean rulesOk = rules.generation() != null;
        boolean dbOk = writer.healthy();
        body.put("status", rulesOk && dbOk ? "UP" : "DEGRADED");
        ObjectNode checks = body.putObject("checks");
        checks.putObject("rules").put("status", rulesOk ? "UP" : "DOWN")
                .put("generation", rulesOk ? rules.generation().number() : 0).put("errors", rules.lastErrors().size());
        checks.putObject("database").put("status", dbOk ? "UP" : "DOWN").put("pendingRows", writer.pending());
        checks.putObject("providers").put("simulator", catalog.get().simulatorMode())
                .put("callableModels", catalog.get().callableModels().size());
        json(ctx, rulesOk && dbOk ? 200 : 503, body);
    }

    private ObjectNode rulesStatus() {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        RulesHolder.Generation g = rules.generation();
        body.put("folder", rules.folder().toString());
        body.put("generation", g == null ? 0 : g.number());
        body.put("builtAt", g == null ? null : g.builtAt().toString());
        ArrayNode files = body.putArray("files");
        if (g != null) {
            g.files().forEach(files::add);
        }
        body.put("lastAttempt", rules.lastAttempt() == null ? null : rules.lastAttempt().toString());
        ArrayNode errors = body.putArray("lastErrors");
        for (RuleError e : rules.lastErrors()) {
            errors.addObject().put("file", e.file()).put("line", e.line()).put("message", e.message()).put("text", e.toString());
        }
        return body;
    }

    private ObjectNode providers() {
        Catalog cat = catalog.get();
        Map<String, String> states = breakers.states();
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("simulatorMode", cat.simulatorMode());
        ArrayNode list = body.putArray("providers");
        for (ProviderSpec p : cat.providers()) {
            ObjectNode item = list.addObject();
            item.put("id", p.id()).put("type", p.type()).put("baseUrl", p.baseUrl()).put("enabled", p.enabled())
                    .put("key", p.apiKey() == null ? null : p.apiKey().masked()).put("disabledReason", p.disabledReason());
        }
        ArrayNode models = body.putArray("models");
        for (ModelSpec m : cat.models()) {
            models.addObject().put("id", m.id()).put("provider", m.provider()).put("callable", cat.callable(m))
                    .put("servedBy", cat.providerFor(m).id()).put("breaker", states.getOrDefault(m.id(), "CLOSED"));
        }
        return body;
    }

    private void addProvider(RoutingContext ctx) {
        JsonNode body = Json.parseOrNull(ctx.body().buffer() == null ? null : ctx.body().buffer().getBytes());
        if (body == null || !body.isObject()) {
            json(ctx, 400, ErrorBodies.openAi("Send a JSON object: {\"id\", \"type\", \"baseUrl\", \"apiKey\"}",
                    "invalid_request_error", null, "invalid_json"));
            return;
        }
        try {
            json(ctx, 201, registrar.register(body));
        } catch (GatewayError e) {
            json(ctx, e.status(), ErrorBodies.openAi(e.getMessage(), e.type(), e.param(), e.code()));
        }
    }

    private void usage(RoutingContext ctx) {
        int limit = intParam(ctx, "limit", 50);
        int offset = intParam(ctx, "offset", 0);
        if (limit < 1 || limit > MAX_PAGE || offset < 0) {
            json(ctx, 400, ErrorBodies.openAi("limit must be 1.." + MAX_PAGE + " and offset at least 0",
                    "invalid_request_error", "limit", null));
            return;
        }
        List<?> rows;
        try {
            rows = producer.requestBody("jdbc:" + dataSourceName + "?outputType=SelectList",
                    "SELECT * FROM usage_record ORDER BY created_at DESC, request_id DESC LIMIT " + limit + " OFFSET " + offset, List.class);
        } catch (RuntimeException e) {
            json(ctx, 503, ErrorBodies.openAi("The usage database is unavailable; rows are kept and written when it is back",
                    "service_unavailable", null, "database_unavailable"));
            return;
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("object", "list").put("limit", limit).put("offset", offset).put("pending", writer.pending());
        ArrayNode data = body.putArray("data");
        for (Object row : rows) {
            ObjectNode item = data.addObject();
            ((Map<?, ?>) row).forEach((k, v) -> {
                String key = k.toString().toLowerCase(java.util.Locale.ROOT);
                if (key.equals("attempts") && v != null) {
                    item.set(key, Json.parseOrNull(v.toString().getBytes(StandardCharsets.UTF_8)));
                } else {
                    item.set(key, Json.MAPPER.valueToTree(v instanceof java.sql.Timestamp t ? t.toInstant().toString() : v));
                }
            });
        }
        json(ctx, 200, body);
    }

    private static int intParam(RoutingContext ctx, String name, int fallback) {
        String v = ctx.request().getParam(name);
        try {
            return v == null ? fallback : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void json(RoutingContext ctx, int status, Object body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(Buffer.buffer(Json.bytes(Json.MAPPER.valueToTree(body))));
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
