package dev.switchboard.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ErrorBodies;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.api.GatewayError;
import dev.switchboard.admin.AccessControl.Role;
import dev.switchboard.cluster.SharedState;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.Agents;
import dev.switchboard.catalog.AnonymousAccess;
import dev.switchboard.catalog.CatalogHolder;
import dev.switchboard.catalog.SecretBox;
import dev.switchboard.providers.Adapters;
import io.vertx.ext.web.handler.BodyHandler;
import dev.switchboard.catalog.ModelSpec;
import dev.switchboard.catalog.ProviderSpec;
import dev.switchboard.providers.Json;
import dev.switchboard.recording.UsageWriter;
import dev.switchboard.resilience.BreakerRegistry;
import dev.switchboard.routing.RuleBuilder;
import dev.switchboard.routing.RuleDraft;
import dev.switchboard.routing.RuleError;
import dev.switchboard.routing.RulesHolder;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.switchboard.boot.ConnectionGuard;
import dev.switchboard.boot.ServerLimits;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
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
    private static final String PRINCIPAL = "principal";
    private static final String CHANGE = "change";

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
    private final AccessControl access;
    private final AuditLog audit;
    private final AgentStore agentStore;
    private final ConfigStore config;
    private final CatalogResources resources;
    private final RuleHistory ruleHistory;
    private final dev.switchboard.pipeline.ChainSimulation chainSimulation;
    private dev.switchboard.pipeline.ModelTester modelTester;
    /** Admin calls carry small JSON (or one DRL file); bytes. */
    private static final long JSON_BODY_LIMIT_BYTES = 1024 * 1024;
    /** A catalog import is a whole YAML document, stored whole in config_version.document (2,000,000 characters); bytes. */
    private static final long IMPORT_BODY_LIMIT_BYTES = 2_000_000;
    private static final String IMPORT_PATH = "/admin/api/config/import";
    private AnonymousAccess anonymous;
    private dev.switchboard.settings.GlobalSettings settings;
    private java.util.function.BiFunction<JsonNode, RulesHolder, ObjectNode> ruleTester = (body, rules) -> {
        throw new IllegalStateException("no rule tester wired");
    };
    private dev.switchboard.quality.QualityEvaluation quality;
    private java.util.function.BiFunction<List<Map<String, Object>>, RulesHolder, ObjectNode> ruleReplay = (rows, rules) -> {
        throw new IllegalStateException("no rule replay wired");
    };
    private Supplier<ObjectNode> frontDoors;
    private HttpServer server;
    private dev.switchboard.analytics.AnalyticsApi analytics;
    private RecommendationActions recommendations;
    /** The management plane's blocking work (authentication included) runs on threads of its own, never the data plane's. */
    private static final String WORKER_POOL = "switchboard-management";
    private static final int WORKER_THREADS = 8;
    private ServerLimits limits;
    private Supplier<ObjectNode> saturation = JsonNodeFactory.instance::objectNode;
    /** Instances sharing the database: writes announced, theirs reloaded; null: nothing shared. */
    private SharedChanges shared;
    private Router router;

    public ManagementServer(Vertx vertx, PrometheusMeterRegistry metrics, RulesHolder rules, CatalogHolder catalog,
                            Adapters adapters, BreakerRegistry breakers, UsageWriter writer, ProducerTemplate producer,
                            String dataSourceName, String adminToken, Supplier<ObjectNode> providerStatus, SecretBox secrets,
                            Agents agents, java.util.function.Function<String, Catalog> compileCatalog, String seedCatalog) {
        this.vertx = vertx;
        this.metrics = metrics;
        this.rules = rules;
        this.catalog = catalog;
        this.breakers = breakers;
        this.writer = writer;
        this.producer = producer;
        this.dataSourceName = dataSourceName;
        this.adminToken = adminToken;
        this.registrar = new ProviderRegistrar(catalog, adapters, producer, secrets, dataSourceName);
        this.providerStatus = providerStatus;
        this.access = new AccessControl(producer, dataSourceName, adminToken);
        this.audit = new AuditLog(producer, dataSourceName);
        this.agentStore = new AgentStore(producer, dataSourceName, agents, catalog);
        this.config = new ConfigStore(producer, dataSourceName, catalog, compileCatalog, seedCatalog, registrar::withRotatedKeys,
                new CatalogUsers(agents, rules.folder()));
        this.resources = new CatalogResources(config);
        this.ruleHistory = new RuleHistory(producer, dataSourceName, audit);
        this.chainSimulation = new dev.switchboard.pipeline.ChainSimulation(vertx, catalog, rules, adapters.forType("openai"));
    }

    /** The model test panel: a prompt sent through the pipeline to one model (wired by the pipeline). */
    public ManagementServer modelTester(dev.switchboard.pipeline.ModelTester tester) {
        this.modelTester = tester;
        return this;
    }

    /** Quality scores per model and task type, and each request's checks and feedback. */
    public ManagementServer quality(dev.switchboard.quality.QualityEvaluation evaluation) {
        this.quality = evaluation;
        return this;
    }

    /** The analytics reports under /admin/api/analytics (any role may read them). */
    public ManagementServer analytics(dev.switchboard.analytics.AnalyticsApi api) {
        this.analytics = api;
        return this;
    }

    /** The optimisation recommendations under /admin/api/recommendations (viewers read, editors apply and dismiss). */
    public ManagementServer recommendations(dev.switchboard.recommend.Recommendations found) {
        this.recommendations = new RecommendationActions(found, rules, catalog, resources, ruleHistory, audit, this::writeRuleFile);
        return this;
    }

    /** Runs the rules on a sample request without calling a provider (wired by the pipeline). */
    public ManagementServer ruleTester(java.util.function.BiFunction<JsonNode, RulesHolder, ObjectNode> tester) {
        this.ruleTester = tester;
        return this;
    }

    /** Replays recorded requests through the serving rules and a draft's (wired by the pipeline). */
    public ManagementServer ruleReplay(java.util.function.BiFunction<List<Map<String, Object>>, RulesHolder, ObjectNode> replay) {
        this.ruleReplay = replay;
        return this;
    }

    /** The anonymous-access policy of the data plane, shown in /health. */
    public ManagementServer anonymousAccess(AnonymousAccess policy) {
        this.anonymous = policy;
        return this;
    }

    /** The global settings under /admin/api/settings, changed at runtime. */
    public ManagementServer globalSettings(dev.switchboard.settings.GlobalSettings settings) {
        this.settings = settings;
        return this;
    }

    /** The front doors of routes/*.yaml with their state, counters and last refusal ({@code GET /admin/api/routes}). */
    public ManagementServer frontDoors(Supplier<ObjectNode> listing) {
        this.frontDoors = listing;
        return this;
    }

    /** Idle and read limits of this server, as for the data plane. */
    public ManagementServer limits(ServerLimits serverLimits) {
        this.limits = serverLimits;
        return this;
    }

    /** The data plane's admission state, reported by {@code /health}. */
    public ManagementServer saturation(Supplier<ObjectNode> admission) {
        this.saturation = admission;
        return this;
    }

    /** Shares agents, catalog, API-added providers, keys and rules with the other instances on the database. */
    public ManagementServer shared(dev.switchboard.cluster.SharedState state) {
        this.shared = new SharedChanges(state, producer, dataSourceName, rules);
        return this;
    }

    public ManagementServer start(String host, int port) {
        java.util.Objects.requireNonNull(anonymous, "anonymous access policy not wired");
        java.util.Objects.requireNonNull(frontDoors, "front doors not wired");
        java.util.Objects.requireNonNull(settings, "global settings not wired");
        access.bootstrap();
        config.start();
        registrar.restore();
        agentStore.load();
        if (shared != null) {
            shared.listen(agentStore, config, registrar, settings);
            config.onStored(() -> shared.changed(SharedState.Topic.CATALOG)); // whoever stores it: the API, a recommendation
            shared.start(); // before the history hears the files serving now: other instances' versions win
            rules.onChange(shared.announcing(ruleHistory));
        } else {
            rules.onChange(ruleHistory);
        }
        Router router = Router.router(vertx);
        ConnectionGuard guard = new ConnectionGuard(vertx, java.util.Objects.requireNonNull(limits, "limits(...) before start"));
        router.route().order(Integer.MIN_VALUE).handler(guard);
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
        router.get("/health").handler(this::health);
        // Before the token check: the API's description is no secret, and Swagger UI reads it as any tool would.
        router.get(OpenApi.PATH).handler(OpenApi::serve);
        // The token is checked before a byte of the body is read: an unauthenticated upload costs no memory and no disk.
        router.route("/admin/api/*").handler(ManagementServer::holdBody).blockingHandler(this::authenticate, false);
        router.post(IMPORT_PATH).handler(bodyReader(IMPORT_BODY_LIMIT_BYTES));
        router.route("/admin/api/*").handler(bodyReader(JSON_BODY_LIMIT_BYTES));
        router.route("/admin/api/*").handler(NulGuard::refuse);
        router.errorHandler(413, ctx -> refuseUnread(ctx, 413, ErrorBodies.openAi("The request body is over the limit of "
                + bodyLimit(ctx) + " bytes for " + ctx.request().path(), "invalid_request_error", null, "body_too_large")));
        router.get("/admin/api/whoami").handler(ctx -> {
            AccessControl.Principal p = ctx.get(PRINCIPAL);
            json(ctx, 200, JsonNodeFactory.instance.objectNode().put("name", p.name()).put("role", p.role().name().toLowerCase(java.util.Locale.ROOT)));
        });
        router.get("/admin/api/rules").blockingHandler(ctx -> json(ctx, 200, rulesStatus()), false); // parses DRL once per generation
        // Before /rules/:file, which would take "versions" for a file name.
        router.get("/admin/api/rules/versions").blockingHandler(this::ruleVersions, false);
        router.get("/admin/api/rules-versions").blockingHandler(this::ruleVersions, false); // the older path, still answered
        router.get("/admin/api/rules/versions/:n/diff").blockingHandler(ctx -> configCall(ctx, null, () -> {
            ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8").end(ruleHistory.diff(intPath(ctx)));
            return null;
        }), false);
        router.post("/admin/api/rules/versions/:n/rollback").handler(requires(Role.EDITOR)).blockingHandler(this::rollbackRule, false);
        router.post("/admin/api/rules/:file/:rule/enabled").handler(requires(Role.EDITOR)).blockingHandler(ctx -> editRule(ctx, "rules.enabled",
                "enabled", JsonNode::isBoolean, (p, v) -> rules.setEnabled(ctx.pathParam("file"), ctx.pathParam("rule"), v.asBoolean(), p.name(), comment(ctx))), false);
        router.post("/admin/api/rules/:file/:rule/salience").handler(requires(Role.EDITOR)).blockingHandler(ctx -> editRule(ctx, "rules.salience",
                "salience", JsonNode::canConvertToInt, (p, v) -> rules.setSalience(ctx.pathParam("file"), ctx.pathParam("rule"), v.asInt(), p.name(), comment(ctx))), false);
        // Before /rules/:file: what the condition builder offers (facts, fields, operators, values, catalog names).
        router.get("/admin/api/rules/builder").handler(ctx -> json(ctx, 200, RuleBuilder.vocabulary(catalog.get())));
        router.get("/admin/api/rules/:file").handler(this::readRule);
        router.put("/admin/api/rules/:file").handler(requires(Role.EDITOR)).blockingHandler(this::writeRule, false);
        router.post("/admin/api/rules/test").blockingHandler(this::testRule, false);
        router.post("/admin/api/rules/replay").handler(requires(Role.EDITOR)).blockingHandler(this::replayRules, false);
        router.post("/admin/api/rules/builder").handler(requires(Role.EDITOR)).blockingHandler(this::buildRule, false);
        router.get("/admin/api/providers").handler(ctx -> json(ctx, 200, providers()));
        router.get("/admin/api/providers/status").handler(ctx -> json(ctx, 200, providerStatus.get()));
        router.get("/admin/api/usage").blockingHandler(this::usage, false);
        // Before any /admin/api/analytics/:report route: this report is served from memory, not queried.
        router.get("/admin/api/analytics/quality").handler(ctx -> json(ctx, 200, quality.scores().json()));
        router.get("/admin/api/analytics/quality/requests/:id").blockingHandler(this::requestQuality, false);
        router.post("/admin/api/providers").handler(requires(Role.ADMIN)).blockingHandler(this::addProvider, false);
        router.get("/admin/api/agents").handler(ctx -> json(ctx, 200, agentStore.list(Math.max(1, Math.min(MAX_PAGE, intParam(ctx, "limit", 50))),
                Math.max(0, intParam(ctx, "offset", 0)))));
        router.get("/admin/api/agents/:id").handler(ctx -> agentCall(ctx, null, () -> agentStore.get(ctx.pathParam("id")), 200));
        router.post("/admin/api/agents").handler(requires(Role.EDITOR)).blockingHandler(ctx -> agentCall(ctx, "agents.create",
                () -> agentStore.create(body(ctx)), 201), false);
        router.put("/admin/api/agents/:id").handler(requires(Role.EDITOR)).blockingHandler(ctx -> agentCall(ctx, "agents.update", () -> {
            // The audit row of a change says what changed (a diff of the agent) and why (?comment=...).
            String before = agentStore.get(ctx.pathParam("id")).toPrettyString();
            ObjectNode after = agentStore.update(ctx.pathParam("id"), body(ctx));
            ctx.put(CHANGE, TextDiff.unified("agent.json", before, after.toPrettyString()));
            return after;
        }, 200), false);
        router.delete("/admin/api/agents/:id").handler(requires(Role.EDITOR)).blockingHandler(ctx -> agentCall(ctx, "agents.delete",
                () -> agentStore.delete(ctx.pathParam("id")), 200), false);
        router.post("/admin/api/agents/:id/key").handler(requires(Role.EDITOR)).blockingHandler(ctx -> agentCall(ctx, "agents.rotate-key",
                () -> agentStore.rotateKey(ctx.pathParam("id")), 200), false);
        router.delete("/admin/api/agents/:id/key").handler(requires(Role.EDITOR)).blockingHandler(ctx -> agentCall(ctx, "agents.revoke-key",
                () -> agentStore.revokeKey(ctx.pathParam("id")), 200), false);
        router.put("/admin/api/providers/:id/key").handler(requires(Role.ADMIN)).blockingHandler(ctx -> {
            AccessControl.Principal p = ctx.get(PRINCIPAL);
            try {
                json(ctx, 200, registrar.rotateKey(ctx.pathParam("id"), body(ctx)));
                announce(SharedState.Topic.PROVIDERS);
                audit.record(p.name(), p.role().name(), "providers.rotate-key", ctx.pathParam("id"), "ok", null);
            } catch (GatewayError e) {
                audit.record(p.name(), p.role().name(), "providers.rotate-key", ctx.pathParam("id"), "refused", e.getMessage());
                json(ctx, e.status(), ErrorBodies.openAi(e.getMessage(), e.type(), e.param(), e.code()));
            }
        }, false);
        router.post("/admin/api/tokens").handler(requires(Role.ADMIN)).blockingHandler(this::createToken, false);
        router.get("/admin/api/tokens").handler(requires(Role.ADMIN)).blockingHandler(ctx -> json(ctx, 200, access.list()), false);
        router.delete("/admin/api/tokens/:name").handler(requires(Role.ADMIN)).blockingHandler(this::revokeToken, false);
        router.get("/admin/api/audit").handler(requires(Role.ADMIN)).blockingHandler(ctx -> page(ctx, "audit_log"), false);
        router.get("/admin/api/config/export").blockingHandler(ctx -> ctx.response().putHeader("Content-Type", "application/yaml")
                .end(config.export() + registrar.exportSection()), false);
        router.get("/admin/api/config/versions").blockingHandler(ctx -> json(ctx, 200,
                config.versions(Math.max(1, Math.min(MAX_PAGE, intParam(ctx, "limit", 50))), Math.max(0, intParam(ctx, "offset", 0)))), false);
        router.get("/admin/api/config/versions/:n/diff").blockingHandler(ctx -> configCall(ctx, null, () -> {
            ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8").end(config.diff(intPath(ctx)));
            return null;
        }), false);
        router.post("/admin/api/config/import").handler(requires(Role.EDITOR)).blockingHandler(ctx -> configCall(ctx, "config.import",
                () -> config.apply(ctx.body().asString(), ctx.get(PRINCIPAL), ctx.request().getParam("comment"))), false);
        router.post("/admin/api/config/versions/:n/rollback").handler(requires(Role.EDITOR)).blockingHandler(ctx -> configCall(ctx,
                "config.rollback", () -> config.rollback(intPath(ctx), ctx.get(PRINCIPAL))), false);
        router.get("/admin/api/catalog/:section").blockingHandler(ctx -> configCall(ctx, null, () -> resources.list(ctx.pathParam("section"),
                Math.max(1, Math.min(MAX_PAGE, intParam(ctx, "limit", 50))), Math.max(0, intParam(ctx, "offset", 0)))), false);
        router.get("/admin/api/catalog/:section/:id").blockingHandler(ctx -> configCall(ctx, null, () -> {
            json(ctx, 200, resources.get(ctx.pathParam("section"), ctx.pathParam("id")));
            return null;
        }), false);
        router.put("/admin/api/catalog/:section/:id").handler(requires(Role.EDITOR)).blockingHandler(ctx -> configCall(ctx, "catalog.put",
                () -> resources.put(ctx.pathParam("section"), ctx.pathParam("id"), body(ctx), ctx.get(PRINCIPAL), ctx.request().getParam("comment"))), false);
        router.delete("/admin/api/catalog/:section/:id").handler(requires(Role.EDITOR)).blockingHandler(ctx -> configCall(ctx, "catalog.delete",
                () -> resources.delete(ctx.pathParam("section"), ctx.pathParam("id"), ctx.get(PRINCIPAL), ctx.request().getParam("comment"))), false);
        router.get("/admin/api/routes").handler(ctx -> json(ctx, 200, frontDoors.get()));
        // Editor: a simulation runs only against the gateway's own simulator; a model test spends like a request.
        router.post("/admin/api/chains/simulate").handler(requires(Role.EDITOR)).blockingHandler(ctx -> agentCall(ctx, "chains.simulate",
                () -> chainSimulation.run(body(ctx)), 200), false);
        router.post("/admin/api/models/:id/test").handler(requires(Role.EDITOR)).blockingHandler(ctx -> agentCall(ctx, "models.test",
                () -> java.util.Objects.requireNonNull(modelTester, "no model tester wired").run(ctx.pathParam("id"), body(ctx),
                        ((AccessControl.Principal) ctx.get(PRINCIPAL)).name()), 200), false);
        router.get("/admin/api/alerts").blockingHandler(ctx -> page(ctx, "budget_alert"), false);
        new GlobalSettingsApi(settings, audit, (ctx, status, body) -> json(ctx, status, body),
                () -> announce(SharedState.Topic.SETTINGS)).register(router, requires(Role.EDITOR));
        if (analytics != null) {
            analytics.register(router);
        }
        if (recommendations != null) {
            recommendations.register(router, requires(Role.EDITOR), (ctx, status, body) -> json(ctx, status, body));
        }
        new dev.switchboard.ui.ManagementUi(vertx, host, this::port).register(router);
        this.router = router;
        router.route().last().handler(ctx -> json(ctx, 404, ErrorBodies.openAi(
                "No management endpoint " + ctx.request().method() + " " + ctx.request().path()
                        + "; see /health, /metrics, /admin/api/rules, /admin/api/providers, /admin/api/usage",
                "invalid_request_error", null, "not_found")));
        try {
            vertx.deployVerticle(new Plane(router, guard, host, port),
                    new DeploymentOptions().setWorkerPoolName(WORKER_POOL).setWorkerPoolSize(WORKER_THREADS))
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the management server on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        return this;
    }

    public int port() {
        return server.actualPort();
    }

    /** "METHOD /path" of every management API route, as registered (the OpenAPI document must name each). */
    public List<String> apiRoutes() {
        List<String> all = new java.util.ArrayList<>();
        for (io.vertx.ext.web.Route r : router.getRoutes()) {
            if (r.getPath() != null && r.getPath().startsWith("/admin/api/") && r.methods() != null) {
                r.methods().forEach(m -> all.add(m.name() + " " + r.getPath()));
            }
        }
        return all;
    }

    /**
     * The management plane as a verticle on its own worker pool: the server listens from its context, so every
     * blocking handler runs on the pool's threads.
     */
    private final class Plane extends AbstractVerticle {
        private final Router router;
        private final ConnectionGuard guard;
        private final String host;
        private final int port;

        Plane(Router router, ConnectionGuard guard, String host, int port) {
            this.router = router;
            this.guard = guard;
            this.host = host;
            this.port = port;
        }

        @Override
        public void start(Promise<Void> started) {
            vertx.createHttpServer(ConnectionGuard.serverOptions()).connectionHandler(guard::onConnection).requestHandler(router)
                    .listen(port, host).onSuccess(listening -> server = listening).<Void>mapEmpty().onComplete(started);
        }
    }

    /** Tells the other instances on the database to reload {@code topic}, written here. */
    private void announce(SharedState.Topic topic) {
        if (shared != null) {
            shared.changed(topic);
        }
    }

    /** Every /admin/api call needs a token; unknown tokens are refused (and audited). */
    private void authenticate(RoutingContext ctx) {
        String auth = ctx.request().getHeader("Authorization");
        String bearer = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7) : null;
        var principal = access.authenticate(bearer);
        if (principal.isEmpty()) {
            audit.record("unknown", null, ctx.request().method().name(), ctx.request().path(), "denied", "no or unknown token");
            refuseUnread(ctx, 401, ErrorBodies.openAi("The management API needs 'Authorization: Bearer <token>' (the admin token printed at "
                    + "first start, SWITCHBOARD_ADMIN_TOKEN, or one made with POST /admin/api/tokens)", "authentication_error", null, "invalid_admin_token"));
            return;
        }
        ctx.put(PRINCIPAL, principal.get());
        ctx.next();
    }

    /**
     * Holds the body unread until the body reader (after authentication) asks for it. A request without a body is
     * left alone: paused, its end would wait for a reader that never comes.
     */
    private static void holdBody(RoutingContext ctx) {
        io.vertx.core.MultiMap headers = ctx.request().headers();
        if (headers.contains(io.vertx.core.http.HttpHeaders.CONTENT_LENGTH) || headers.contains(io.vertx.core.http.HttpHeaders.TRANSFER_ENCODING)) {
            ctx.request().pause();
        }
        ctx.next();
    }

    /** Reads the body up to a limit (413 beyond it), in memory only: uploads are never stored (./file-uploads). */
    private static BodyHandler bodyReader(long limitBytes) {
        return BodyHandler.create(false).setBodyLimit(limitBytes);
    }

    private static long bodyLimit(RoutingContext ctx) {
        return ctx.request().path().equals(IMPORT_PATH) ? IMPORT_BODY_LIMIT_BYTES : JSON_BODY_LIMIT_BYTES;
    }

    /**
     * Answers a request whose body was not (all) read. What the caller still sends is read and dropped up to the
     * body limit, so an ordinary client reads the answer on a connection that stays usable; beyond it the connection
     * is closed: nobody streams without end into a refusal.
     */
    private static void refuseUnread(RoutingContext ctx, int status, Object body) {
        io.vertx.core.http.HttpServerRequest request = ctx.request();
        if (!request.isEnded()) {
            long limit = bodyLimit(ctx);
            long[] dropped = {0};
            request.handler(chunk -> {
                dropped[0] += chunk.length();
                if (dropped[0] > limit) {
                    request.connection().close();
                }
            });
            request.resume();
        }
        json(ctx, status, body);
    }

    /** Writes need a role; a refused one is answered 403 and audited. */
    private io.vertx.core.Handler<RoutingContext> requires(Role role) {
        return ctx -> {
            AccessControl.Principal p = ctx.get(PRINCIPAL);
            if (p.role().allows(role)) {
                ctx.next();
                return;
            }
            deny(ctx, p, role);
        };
    }

    /** Answers 403 for a call that needs {@code role}, and audits it. */
    private void deny(RoutingContext ctx, AccessControl.Principal p, Role role) {
        vertx.executeBlocking(() -> {
            audit.record(p.name(), p.role().name(), ctx.request().method().name(), ctx.request().path(), "denied", "needs " + role);
            return null;
        }, false);
        json(ctx, 403, ErrorBodies.openAi("Role " + p.role().name().toLowerCase(java.util.Locale.ROOT) + " cannot "
                + ctx.request().method() + " " + ctx.request().path() + "; it needs " + role.name().toLowerCase(java.util.Locale.ROOT),
                "permission_error", null, "forbidden"));
    }

    /** Runs an agent operation, answering its errors in OpenAI's shape and auditing writes (never the key). */
    private void agentCall(RoutingContext ctx, String action, Supplier<ObjectNode> op, int status) {
        AccessControl.Principal p = ctx.get(PRINCIPAL);
        String target = ctx.pathParam("id") != null ? ctx.pathParam("id") : body(ctx).path("id").asText("");
        try {
            ObjectNode answer = op.get();
            if (action != null) {
                announce(SharedState.Topic.AGENTS);
                String why = ctx.request().getParam("comment");
                String what = ctx.get(CHANGE);
                audit.record(p.name(), p.role().name(), action, target, "ok",
                        (why == null ? "" : "why: " + why + "\n") + (what == null ? "" : what));
            }
            json(ctx, status, answer);
        } catch (GatewayError e) {
            if (action != null) {
                audit.record(p.name(), p.role().name(), action, target, "refused", e.getMessage());
            }
            json(ctx, e.status(), ErrorBodies.openAi(e.getMessage(), e.type(), e.param(), e.code()));
        }
    }

    private void configCall(RoutingContext ctx, String action, Supplier<ObjectNode> op) {
        AccessControl.Principal p = ctx.get(PRINCIPAL);
        try {
            ObjectNode answer = op.get();
            if (action != null) {
                audit.record(p.name(), p.role().name(), action, "catalog", "ok", answer.path("version").asText());
            }
            if (answer != null) {
                json(ctx, 200, answer);
            }
        } catch (GatewayError e) {
            if (action != null) {
                audit.record(p.name(), p.role().name(), action, "catalog", "refused", e.getMessage());
            }
            json(ctx, e.status(), ErrorBodies.openAi(e.getMessage(), e.type(), e.param(), e.code()));
        }
    }

    private static int intPath(RoutingContext ctx) {
        try {
            return Integer.parseInt(ctx.pathParam("n"));
        } catch (NumberFormatException e) {
            throw GatewayError.badRequest("version", "the version is a whole number");
        }
    }

    private static JsonNode body(RoutingContext ctx) {
        JsonNode body = ctx.body() == null || ctx.body().buffer() == null ? null : Json.parseOrNull(ctx.body().buffer().getBytes());
        return body == null ? JsonNodeFactory.instance.objectNode() : body;
    }

    private void readRule(RoutingContext ctx) {
        String file = ctx.pathParam("file");
        rules.read(file).ifPresentOrElse(
                content -> json(ctx, 200, JsonNodeFactory.instance.objectNode().put("file", file).put("content", content)
                        .put("generation", rules.generation() == null ? 0 : rules.generation().number())),
                () -> json(ctx, 404, ErrorBodies.openAi("No rule file '" + file + "'; GET /admin/api/rules lists them",
                        "invalid_request_error", "file", "not_found")));
    }

    /** PUT a rule file: compiled with the others first; a broken one is refused with file:line and not written. */
    private void writeRule(RoutingContext ctx) {
        String file = ctx.pathParam("file");
        String raw = ctx.body().asString();
        JsonNode json = raw == null ? null : Json.parseOrNull(raw.getBytes(StandardCharsets.UTF_8));
        String content = json != null && json.path("content").isTextual() ? json.get("content").asText() : raw;
        String comment = json != null && json.path("comment").isTextual() ? json.get("comment").asText() : ctx.request().getParam("comment");
        if (content == null || content.isBlank()) {
            json(ctx, 400, ErrorBodies.openAi("Send the DRL text (or {\"content\": \"...\", \"comment\": \"...\"})",
                    "invalid_request_error", "content", null));
            return;
        }
        saveRule(ctx, "rules.put", file, content, comment);
    }

    private void saveRule(RoutingContext ctx, String action, String file, String content, String comment) {
        saveRule(ctx, action, file, content, comment, JsonNodeFactory.instance.objectNode());
    }

    /**
     * Saves one rule file the one way every edit takes: compiled with the others first (a broken one is answered
     * 400 with file:line and not written), versioned by the history, audited, and answered 200 with {@code answer}, the
     * file and the generation now serving.
     */
    private void saveRule(RoutingContext ctx, String action, String file, String content, String comment, ObjectNode answer) {
        List<RuleError> errors = writeRuleFile(ctx.get(PRINCIPAL), action, file, content, comment);
        if (!errors.isEmpty()) {
            json(ctx, 400, ruleErrors("Rule file refused, nothing written: ", errors));
            return;
        }
        json(ctx, 200, answer.put("file", file).put("generation", rules.generation().number()));
    }

    /** The write itself: compiled with the other files, versioned by the history when it serves, audited either way. */
    private List<RuleError> writeRuleFile(AccessControl.Principal p, String action, String file, String content, String comment) {
        List<RuleError> errors = rules.replace(file, content, p.name(), comment);
        audit.record(p.name(), p.role().name(), action, file, errors.isEmpty() ? "ok" : "refused", errors.isEmpty() ? comment : errors.get(0).toString());
        return errors;
    }

    /** A 400 body listing a rule file's errors with file:line. */
    private static ObjectNode ruleErrors(String prefix, List<RuleError> errors) {
        ObjectNode body = ErrorBodies.openAi(prefix + errors.get(0), "invalid_request_error", "content", "rules_invalid");
        ArrayNode list = body.putArray("errors");
        errors.forEach(e -> list.addObject().put("file", e.file()).put("line", e.line()).put("sheet", e.sheet()).put("cell", e.cell())
                .put("message", e.message()).put("text", e.toString()));
        return body;
    }

    /**
     * A rule given as data, written as DRL into its file (default builder.drl) through the same path as a PUT of
     * the file; {@code ?dryRun=true} answers the DRL without saving.
     */
    private void buildRule(RoutingContext ctx) {
        try {
            RuleDraft draft = RuleBuilder.read(body(ctx), catalog.get());
            String content = draft.into(rules.read(draft.file()).orElse(null));
            ObjectNode answer = JsonNodeFactory.instance.objectNode().put("file", draft.file()).put("rule", draft.name())
                    .put("drl", draft.drl()).put("content", content);
            if (Boolean.parseBoolean(ctx.request().getParam("dryRun"))) {
                json(ctx, 200, answer.put("dryRun", true));
                return;
            }
            saveRule(ctx, "rules.builder", draft.file(), content, draft.comment(), answer);
        } catch (GatewayError e) {
            json(ctx, e.status(), ErrorBodies.openAi(e.getMessage(), e.type(), e.param(), e.code()));
        }
    }

    private static String comment(RoutingContext ctx) {
        JsonNode given = body(ctx).path("comment");
        return given.isTextual() ? given.asText() : ctx.request().getParam("comment");
    }

    /**
     * One attribute of one rule changed as an edit of its file: {@code field} of the JSON body, checked by {@code valid};
     * an unknown rule is 404, a refused edit 400 with the compiler's errors. Audited either way.
     */
    private void editRule(RoutingContext ctx, String action, String field, java.util.function.Predicate<JsonNode> valid,
                          java.util.function.BiFunction<AccessControl.Principal, JsonNode, List<RuleError>> edit) {
        AccessControl.Principal p = ctx.get(PRINCIPAL);
        String file = ctx.pathParam("file");
        String rule = ctx.pathParam("rule");
        JsonNode value = body(ctx).path(field);
        if (!valid.test(value)) {
            json(ctx, 400, ErrorBodies.openAi("Send {\"" + field + "\": " + (field.equals("enabled") ? "true|false" : "a whole number")
                    + ", \"comment\"?: \"why\"}", "invalid_request_error", field, null));
            return;
        }
        if (rules.outline().stream().noneMatch(r -> r.name().equals(rule) && r.file().equals(rules.folder().resolve(file).toString()))) {
            json(ctx, 404, ErrorBodies.openAi("No rule '" + rule + "' in '" + file + "'; GET /admin/api/rules lists them",
                    "invalid_request_error", "rule", "not_found"));
            return;
        }
        List<RuleError> errors = edit.apply(p, value);
        if (!errors.isEmpty()) {
            audit.record(p.name(), p.role().name(), action, file + " / " + rule, "refused", errors.get(0).toString());
            json(ctx, 400, ErrorBodies.openAi("Change refused, nothing written: " + errors.get(0), "invalid_request_error", field, "rules_invalid"));
            return;
        }
        audit.record(p.name(), p.role().name(), action, file + " / " + rule, "ok", field + " = " + value + (comment(ctx) == null ? "" : "; why: " + comment(ctx)));
        json(ctx, 200, JsonNodeFactory.instance.objectNode().put("file", file).put("rule", rule).set(field, value));
    }

    private void ruleVersions(RoutingContext ctx) {
        int limit = intParam(ctx, "limit", 50);
        int offset = intParam(ctx, "offset", 0);
        if (limit < 1 || limit > MAX_PAGE || offset < 0) {
            json(ctx, 400, ErrorBodies.openAi("limit must be 1.." + MAX_PAGE + " and offset at least 0", "invalid_request_error", "limit", null));
            return;
        }
        json(ctx, 200, ruleHistory.list(ctx.request().getParam("file"), limit, offset));
    }

    /** Writes a version's text back as a new version (compiled first like any edit). */
    private void rollbackRule(RoutingContext ctx) {
        AccessControl.Principal p = ctx.get(PRINCIPAL);
        try {
            int version = intPath(ctx);
            RuleHistory.Restore restore = ruleHistory.restore(version);
            String why = ctx.request().getParam("comment");
            saveRule(ctx, "rules.rollback", restore.file(), restore.content(), "rollback to version " + version + (why == null ? "" : ": " + why));
        } catch (GatewayError e) {
            audit.record(p.name(), p.role().name(), "rules.rollback", ctx.pathParam("n"), "refused", e.getMessage());
            json(ctx, e.status(), ErrorBodies.openAi(e.getMessage(), e.type(), e.param(), e.code()));
        }
    }

    private void testRule(RoutingContext ctx) {
        JsonNode body = Json.parseOrNull(ctx.body().buffer() == null ? null : ctx.body().buffer().getBytes());
        if (body == null || !body.isObject()) {
            json(ctx, 400, ErrorBodies.openAi("Send a sample chat request: {\"messages\": [...], \"model\"?, \"agent\"?, \"taskType\"?, "
                    + "\"userTier\"?, \"tags\"?}", "invalid_request_error", null, "invalid_json"));
            return;
        }
        AccessControl.Principal p = ctx.get(PRINCIPAL);
        if ((body.has("draft") || body.has("draftRule")) && !p.role().allows(Role.EDITOR)) {
            deny(ctx, p, Role.EDITOR); // a draft is rule code run in the gateway: as much a write as saving it
            return;
        }
        try {
            ObjectNode sample = (ObjectNode) body.deepCopy();
            java.util.Optional<RulesHolder> draft = RuleDrafts.compile(sample, rules, catalog.get());
            ObjectNode live = ruleTester.apply(sample, rules);
            if (draft.isEmpty()) {
                json(ctx, 200, live);
                return;
            }
            ObjectNode drafted = ruleTester.apply(sample, draft.get());
            ObjectNode both = JsonNodeFactory.instance.objectNode();
            both.set("live", live);
            both.set("draft", drafted);
            json(ctx, 200, both.put("changed", !live.equals(drafted)));
        } catch (RuleDrafts.Refused e) {
            json(ctx, 400, ruleErrors("The draft does not compile: ", e.errors()));
        } catch (GatewayError e) {
            json(ctx, e.status(), ErrorBodies.openAi(e.getMessage(), e.type(), e.param(), e.code()));
        }
    }

    /** Replays the last N recorded chat requests through the serving rules and a draft's; reports what would change. */
    private void replayRules(RoutingContext ctx) {
        try {
            JsonNode body = body(ctx);
            ObjectNode request = body.isObject() ? (ObjectNode) body.deepCopy() : JsonNodeFactory.instance.objectNode();
            int last = RuleDrafts.last(request);
            RulesHolder draft = RuleDrafts.compile(request, rules, catalog.get()).orElseThrow(() -> GatewayError.badRequest("draft",
                    "Send the draft to replay: \"draft\": {\"file\", \"text\"} or \"draftRule\": {a builder rule}"));
            List<Map<String, Object>> rows;
            try {
                rows = RuleDrafts.recentChats(producer, dataSourceName, last);
            } catch (RuntimeException e) {
                json(ctx, 503, ErrorBodies.openAi("The usage database is unavailable", "service_unavailable", null, "database_unavailable"));
                return;
            }
            json(ctx, 200, ruleReplay.apply(rows, draft).put("last", last));
        } catch (RuleDrafts.Refused e) {
            json(ctx, 400, ruleErrors("The draft does not compile: ", e.errors()));
        } catch (GatewayError e) {
            json(ctx, e.status(), ErrorBodies.openAi(e.getMessage(), e.type(), e.param(), e.code()));
        }
    }

    /** Revokes a token by name (it is refused at once); the environment's token and the last admin token are kept. */
    private void revokeToken(RoutingContext ctx) {
        AccessControl.Principal p = ctx.get(PRINCIPAL);
        String name = ctx.pathParam("name");
        try {
            json(ctx, 200, access.revoke(name));
            audit.record(p.name(), p.role().name(), "tokens.revoke", name, "ok", null);
        } catch (GatewayError e) {
            audit.record(p.name(), p.role().name(), "tokens.revoke", name, "refused", e.getMessage());
            json(ctx, e.status(), ErrorBodies.openAi(e.getMessage(), e.type(), e.param(), e.code()));
        }
    }

    private void createToken(RoutingContext ctx) {
        AccessControl.Principal p = ctx.get(PRINCIPAL);
        JsonNode body = Json.parseOrNull(ctx.body().buffer() == null ? null : ctx.body().buffer().getBytes());
        String name = body == null ? null : body.path("name").asText(null);
        Role role;
        try {
            role = Role.valueOf(body == null ? "" : body.path("role").asText("").toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            json(ctx, 400, ErrorBodies.openAi("'role' must be admin, editor or viewer", "invalid_request_error", "role", null));
            return;
        }
        if (name == null || name.isBlank()) {
            json(ctx, 400, ErrorBodies.openAi("'name' is required (who or what will use the token)", "invalid_request_error", "name", null));
            return;
        }
        String token;
        try {
            token = access.create(name, role);
        } catch (GatewayError e) {
            audit.record(p.name(), p.role().name(), "tokens.create", name, "refused", e.getMessage());
            json(ctx, e.status(), ErrorBodies.openAi(e.getMessage(), e.type(), e.param(), e.code()));
            return;
        }
        audit.record(p.name(), p.role().name(), "tokens.create", name, "ok", role.name());
        json(ctx, 201, JsonNodeFactory.instance.objectNode().put("name", name).put("role", role.name().toLowerCase(java.util.Locale.ROOT))
                .put("token", token).put("note", "shown once: only its hash is kept"));
    }

    private void page(RoutingContext ctx, String table) {
        int limit = intParam(ctx, "limit", 50);
        int offset = intParam(ctx, "offset", 0);
        if (limit < 1 || limit > MAX_PAGE || offset < 0) {
            json(ctx, 400, ErrorBodies.openAi("limit must be 1.." + MAX_PAGE + " and offset at least 0", "invalid_request_error", "limit", null));
            return;
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("object", "list").put("limit", limit).put("offset", offset);
        ArrayNode data = body.putArray("data");
        for (Object row : audit.list(table, limit, offset)) {
            ObjectNode item = data.addObject();
            ((Map<?, ?>) row).forEach((k, v) -> item.set(k.toString().toLowerCase(java.util.Locale.ROOT),
                    Json.MAPPER.valueToTree(v instanceof java.sql.Timestamp t ? t.toInstant().toString() : v)));
        }
        json(ctx, 200, body);
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
        AnonymousAccess.Policy policy = anonymous.current();
        body.putObject("anonymous").put("allowed", policy.allowed().label()).put("reason", policy.reason());
        checks.set("admission", saturation.get());
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
            errors.addObject().put("file", e.file()).put("line", e.line()).put("sheet", e.sheet()).put("cell", e.cell())
                    .put("message", e.message()).put("text", e.toString());
        }
        ArrayNode list = body.putArray("rules");
        rules.outline().forEach(r -> list.add(Json.MAPPER.valueToTree(r)));
        ArrayNode failed = body.putArray("evaluationErrors");
        for (var f : rules.failures()) {
            failed.addObject().put("rule", f.rule()).put("error", f.error()).put("count", f.count()).put("lastAt", f.lastAt().toString());
        }
        return body;
    }

    private ObjectNode providers() {
        Catalog cat = catalog.get();
        Map<String, String> states = breakers.states();
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("simulatorMode", cat.simulatorMode());
        registrar.types().forEach(body.putArray("types")::add);
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
        AccessControl.Principal p = ctx.get(PRINCIPAL);
        String target = body.path("id").asText(body.path("name").asText(""));
        // ?dryRun=true checks the key and lists the models without adding anything: the first step of the workflow.
        boolean dryRun = Boolean.parseBoolean(ctx.request().getParam("dryRun"));
        String action = dryRun ? "providers.check" : "providers.add";
        try {
            json(ctx, dryRun ? 200 : 201, dryRun ? registrar.discover(body) : registrar.register(body));
            if (!dryRun) {
                announce(SharedState.Topic.PROVIDERS);
            }
            audit.record(p.name(), p.role().name(), action, target, "ok", body.path("type").asText() + " " + body.path("baseUrl").asText());
        } catch (GatewayError e) {
            audit.record(p.name(), p.role().name(), action, target, "refused", e.getMessage());
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

    private void requestQuality(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        java.util.Optional<ObjectNode> found;
        try {
            found = quality.request(id);
        } catch (RuntimeException e) {
            json(ctx, 503, ErrorBodies.openAi("The usage database is unavailable; try again shortly", "service_unavailable", null,
                    "database_unavailable"));
            return;
        }
        found.ifPresentOrElse(body -> json(ctx, 200, body), () -> json(ctx, 404, ErrorBodies.openAi("No quality checks for "
                + "request '" + id + "' (yet): they are stored shortly after an answer, and only for answered chat requests",
                "invalid_request_error", "id", "not_found")));
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
        chainSimulation.close();
    }
}
