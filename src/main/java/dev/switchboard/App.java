package dev.switchboard;

import dev.switchboard.admin.ManagementServer;
import dev.switchboard.analytics.AnalyticsApi;
import dev.switchboard.boot.Database;
import dev.switchboard.boot.Drain;
import dev.switchboard.boot.JmsBroker;
import dev.switchboard.boot.ShutdownGate;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.Agents;
import dev.switchboard.catalog.AnonymousAccess;
import dev.switchboard.catalog.CatalogHolder;
import dev.switchboard.catalog.SecretBox;
import dev.switchboard.catalog.CatalogLoader;
import dev.switchboard.catalog.CatalogLoader.SimulatorMode;
import dev.switchboard.catalog.ProviderSpec;
import dev.switchboard.frontdoor.FrontDoors;
import dev.switchboard.pipeline.FrontDoorErrors;
import dev.switchboard.boot.DataPlaneServer;
import dev.switchboard.pipeline.Admission;
import dev.switchboard.pipeline.PipelineRoutes;
import dev.switchboard.providers.Adapters;
import dev.switchboard.quality.QualityEvaluation;
import dev.switchboard.recommend.Recommendations;
import dev.switchboard.admin.AlertSink;
import dev.switchboard.recording.BudgetGauges;
import dev.switchboard.recording.BudgetLedger;
import dev.switchboard.recording.RequestMetrics;
import dev.switchboard.recording.Retention;
import dev.switchboard.responses.ResponseStore;
import dev.switchboard.settings.GlobalSettings;
import dev.switchboard.recording.SqlDialect;
import dev.switchboard.recording.UsageRollups;
import dev.switchboard.recording.UsageWriter;
import dev.switchboard.resilience.BreakerRegistry;
import dev.switchboard.resilience.ModelHealth;
import dev.switchboard.routing.RulesHolder;
import dev.switchboard.simulator.Simulator;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.http.HttpComponent;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.camel.component.platform.http.PlatformHttpConstants;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.apache.camel.impl.DefaultCamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the gateway: database, broker, simulator, catalog, rules, breakers, the Camel pipeline with the
 * front doors of {@code routes/}, and the management server. {@link #start} returns a running gateway;
 * {@link #close} stops it in reverse order.
 */
public final class App implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard");
    public static final String DATA_SOURCE = "usageDb";
    /** The data folder (SWITCHBOARD_DATA) as a Camel property placeholder for route files. */
    public static final String DATA_PROPERTY = "switchboard.data";
    public static final String INSTANCE_HEADER = "x-switchboard-instance";
    private static final long MAX_BODY_BYTES = 32L * 1024 * 1024;
    /**
     * What Camel's own stop still waits for in-flight exchanges: by then the drain has waited out the grace
     * period and recorded every open request, so only cut ones can be left.
     */
    private static final int CAMEL_STOP_TIMEOUT_SECONDS = 5;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private Settings settings;
    private CamelContext camel;
    private ManagementServer management;
    private UsageWriter writer;
    private RulesHolder rules;
    private BreakerRegistry breakers;
    private JmsBroker broker;
    private Database database;
    private java.time.Clock clock = java.time.Clock.systemUTC();
    private CatalogHolder catalog;
    private Retention retention;
    private GlobalSettings globalSettings;

    public static void main(String[] args) {
        try {
            App app = start(Settings.fromEnv(System.getenv()));
            // SIGTERM: stop admitting, let requests in flight finish within the grace period, write every usage
            // row, then close the rest (see close); the JVM exits when this hook returns.
            Runtime.getRuntime().addShutdownHook(new Thread(app::close, "switchboard-shutdown"));
        } catch (RuntimeException e) {
            LOG.error("Switchboard could not start: {}", e.getMessage());
            System.exit(1);
        }
    }

    public static App start(Settings settings) {
        return start(settings, java.time.Clock.systemUTC());
    }

    /** Starts with {@code clock} for the response cache's expiry (tests move it). */
    public static App start(Settings settings, java.time.Clock clock) {
        App app = new App();
        app.clock = clock;
        try {
            app.boot(settings);
            return app;
        } catch (Exception e) {
            app.close();
            throw e instanceof RuntimeException re ? re : new IllegalStateException(e.getMessage(), e);
        }
    }

    private void boot(Settings s) throws Exception {
        long t0 = System.nanoTime();
        this.settings = s;
        Duration shutdownGrace = s.shutdownGrace();
        Files.createDirectories(s.dataDir());

        database = new Database(s.dbUrl(), s.dbUser(), s.dbPassword());
        resources.add(database::shutdown);
        String schema = database.migrate();
        UsageRollups.backfill(database, SqlDialect.of(s.dbUrl()));
        LOG.info("Database: {} ready, schema version {}", redactUrl(s.dbUrl()), schema);
        String instanceId = dev.switchboard.cluster.InstanceId.resolve(s.env(), s.port());
        com.zaxxer.hikari.HikariDataSource pooled = dev.switchboard.cluster.SharedConnections.open(s.dbUrl(), s.dbUser(), s.dbPassword());
        resources.add(pooled); // closed before the database shuts down
        dev.switchboard.cluster.SharedState shared = new dev.switchboard.cluster.SharedState(pooled, instanceId,
                System::currentTimeMillis).start();
        // Closed after the drain and the writer's last flush: a clean leave, its holds all settled.
        resources.add(shared);

        broker = JmsBroker.start(s.jmsUrl(), s.jmsHost(), s.jmsPort(), s.dataDir(), s.env());
        resources.add(broker);

        Vertx vertx = Vertx.vertx(new VertxOptions().setWorkerPoolSize(s.workerThreads()));
        resources.add(() -> vertx.close().toCompletionStage().toCompletableFuture().get());

        Simulator simulator = null;
        if (s.simulatorMode() != SimulatorMode.OFF) {
            simulator = new Simulator(vertx, s.simulation()).start();
            resources.add(simulator);
        }
        Adapters adapters = Adapters.standard();
        CatalogLoader catalogLoader = new CatalogLoader(s.env(), adapters.types(), s.retries());
        String simulatorUrl = simulator == null ? null : simulator.baseUrl();
        catalog = new CatalogHolder(catalogLoader.load(s.catalogFile(), s.simulatorMode(), simulatorUrl));
        logProviders(catalog.get());

        rules = new RulesHolder(s.rulesDir());
        rules.checkLiterals((file, text) -> dev.switchboard.routing.RuleTargets.check(file, text, catalog.get()));
        rules.reload();

        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        breakers = new BreakerRegistry(s.breakerMinimumCalls(), s.breakerOpenWait(), s.trackedModels());
        resources.add(breakers::close);
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers.registry()).bindTo(metrics);

        camel = new DefaultCamelContext();
        // Stream caching (on by default in Camel 4) would read a provider's whole SSE body before the first
        // event could be forwarded; every body here is either small JSON or a stream relayed as it arrives.
        camel.setStreamCaching(false);
        // The shutdown records requests still open at the end of its grace period; it finds them here.
        camel.getInflightRepository().setInflightBrowseEnabled(true);
        camel.getShutdownStrategy().setTimeout(CAMEL_STOP_TIMEOUT_SECONDS);
        camel.getPropertiesComponent().setLocation("classpath:switchboard.properties");
        // Route files name folders under the data folder (a file-drop inbox) as {{switchboard.data}}.
        camel.getPropertiesComponent().addInitialProperty(DATA_PROPERTY, s.dataDir().toAbsolutePath().toString());
        camel.getRegistry().bind(DATA_SOURCE, database);
        camel.getRegistry().bind("vertx", vertx);
        camel.getRegistry().bind("metricsRegistry", metrics);
        // Acknowledged once answered: a request taken by an instance that dies before replying goes to another one.
        JmsComponent jms = JmsComponent.jmsComponentClientAcknowledge(broker.connectionFactory());
        camel.addComponent("jms", jms);
        HttpComponent http = new HttpComponent();
        // One pooled client for every provider; sized for many concurrent streams to the same host.
        http.setMaxTotalConnections(2000);
        http.setConnectionsPerRoute(1000);
        // HttpClient would retry 429/503 on its own (waiting out Retry-After, once): retries are the chain's
        // decision, recorded as attempts, never a hidden second call.
        http.setHttpClientConfigurer(builder -> builder.disableAutomaticRetries());
        camel.addComponent("http", http);

        VertxPlatformHttpServerConfiguration serverConfig = new VertxPlatformHttpServerConfiguration();
        serverConfig.setBindHost(s.host());
        serverConfig.setBindPort(s.port());
        serverConfig.setMaxBodySize(MAX_BODY_BYTES);
        DataPlaneServer server = new DataPlaneServer(serverConfig, s.limits(), vertx);
        camel.addService(server, true, true);
        VertxPlatformHttpEngine engine = new VertxPlatformHttpEngine();
        ShutdownGate gate = new ShutdownGate();
        camel.getRegistry().bind(PlatformHttpConstants.PLATFORM_HTTP_ENGINE_NAME, engine);

        writer = new UsageWriter(camel.createProducerTemplate(), DATA_SOURCE, SqlDialect.of(s.dbUrl()), metrics,
                UsageWriter.DEFAULT_QUEUE_CAPACITY);
        // The environment's values, which the management API may override at runtime.
        globalSettings = new GlobalSettings(database, s);
        globalSettings.load();
        retention = new Retention(camel.createProducerTemplate(), DATA_SOURCE, globalSettings::retentionDays);
        camel.addRoutes(retentionRoute(retention));
        ResponseStore responseStore = new ResponseStore(database, globalSettings::responsesRetentionDays, java.time.Clock.systemUTC());
        camel.addRoutes(new org.apache.camel.builder.RouteBuilder() {
            @Override
            public void configure() {
                from("timer:responses-retention?delay=60000&period=" + Retention.PERIOD.toMillis()).routeId("responses-retention")
                        .process(exchange -> responseStore.deleteExpired());
            }
        });
        ModelHealth health = new ModelHealth(java.time.Clock.systemUTC(), s.trackedModels());
        Agents agents = new Agents();
        AnonymousAccess anonymous = new AnonymousAccess(globalSettings::allowAnonymous, globalSettings::allowAnonymousOrigin,
                s.anonymousTrusted(), broker.clientsAreLocal(), catalog);
        anonymous.logCurrent();
        catalog.onChange(anonymous::logChange);
        ProducerTemplate alertProducer = camel.createProducerTemplate();
        BudgetLedger ledger = new BudgetLedger(java.time.Clock.systemUTC(), globalSettings::budgetAlertPercents,
                new AlertSink(alertProducer, DATA_SOURCE, s.env().get("SWITCHBOARD_ALERT_WEBHOOK"))).shared(pooled, instanceId);
        resources.add(ledger); // its last settlements written before the shared connections close
        ledger.releaseHolds(0, true);
        shared.reaper(silentSince -> ledger.releaseHolds(silentSince, false));
        QualityEvaluation quality = new QualityEvaluation(camel.createProducerTemplate(), DATA_SOURCE, metrics, java.time.Clock.systemUTC(),
                s.qualityRefresh());
        rules.modelStats(quality.scores()::modelStats);
        Recommendations recommendations = new Recommendations(camel.createProducerTemplate(), DATA_SOURCE, catalog::get, agents::all,
                quality.scores()::modelStats, java.time.Clock.systemUTC());
        quality.afterRefresh(recommendations::refreshQuietly);
        PipelineRoutes pipeline = new PipelineRoutes(catalog::get, rules, adapters, breakers, health,
                writer, new RequestMetrics(metrics, name -> catalog.get().model(name).isPresent(),
                name -> agents.byId(name).isPresent()), s.rulesPollMillis(),
                s.probeInterval(), agents, anonymous, ledger,
                new dev.switchboard.pipeline.CacheOptions(s.cacheMaxBytes(), s.cacheShared() ? database : null, s.cacheSharedMaxBytes(), clock),
                quality, responseStore);
        camel.addRoutes(pipeline);
        resources.add(pipeline::closeSharedCache);
        pipeline.limitsSharedBy(shared::liveInstances);
        Admission admission = pipeline.admission(s.limits(), metrics);
        server.frontHandlers(List.of(instanceHeader(instanceId), gate, admission::admit));
        engine.setHandlers(List.of(admission::dispatch));
        LOG.info("Limits: {} HTTP requests in flight on {} worker threads (503 beyond), idle connections closed after {} s, "
                + "request bodies due within {} s", s.limits().maxInFlight(), s.workerThreads(), s.limits().idleTimeout().toSeconds(),
                s.limits().requestReadTimeout().toSeconds());
        pipeline.addModelRoutes(camel);
        catalog.onChange((before, after) -> pipeline.addModelRoutes(camel, after));
        FrontDoors frontDoors = new FrontDoors(camel, s.routesDir(), PipelineRoutes.ENTRIES);
        frontDoors.reloadIfChanged();
        camel.addRoutes(frontDoors.watcher(s.rulesPollMillis()));
        camel.start();
        FrontDoorErrors.install(camel.getRegistry().findSingleByType(VertxPlatformHttpRouter.class));
        LOG.info("Pipeline: {} routes started ({} model routes, each behind its own circuit breaker)", camel.getRoutes().size(),
                camel.getRoutes().stream().filter(r -> r.getRouteId().startsWith("model-")).count());
        BudgetGauges budgetGauges = new BudgetGauges(metrics, ledger, () -> agents.all().stream()
                .map(a -> new BudgetGauges.Budget(a.id(), a.dailyBudgetUsd(), a.monthlyBudgetUsd())).toList());
        // Off the event loop: budgets are read from the database.
        vertx.setPeriodic(0, BudgetGauges.REFRESH.toMillis(), id -> vertx.executeBlocking(() -> {
            budgetGauges.refresh();
            return null;
        }, false));
        java.time.Duration fsync = s.usageJournalFsync();
        dev.switchboard.recording.UsageJournal journal = null;
        if (fsync != null) {
            journal = dev.switchboard.recording.UsageJournal.open(s.dataDir().resolve("usage-journal"), fsync);
            writer.journal(journal);
        }
        writer.start();
        resources.add(camel::stop);
        if (journal != null) {
            resources.add(journal); // closed after the writer's last flush: empty then, and removed
        }
        // Closed before Camel: the writer inserts through camel-jdbc, so its last flush needs Camel running.
        resources.add(writer);
        // Closed before Camel too: the last queued checks are written through camel-jdbc.
        resources.add(quality);

        ProducerTemplate admin = camel.createProducerTemplate();
        management = new ManagementServer(vertx, metrics, rules, catalog, adapters, breakers, writer, admin, DATA_SOURCE, s.adminToken(),
                () -> pipeline.healthView().statusJson().put("instance", instanceId),
                SecretBox.open(s.env().get(SecretBox.MASTER_KEY_ENV), SecretBox.defaultKeyFile(s.dataDir())), agents,
                document -> catalogLoader.parse(document, s.simulatorMode(), simulatorUrl, "catalog"), CatalogLoader.sourceText(s.catalogFile()))
                .ruleTester(pipeline.ruleTester(camel))
                .ruleReplay(pipeline.ruleReplay())
                .modelTester(pipeline.modelTester(camel))
                .analytics(new AnalyticsApi(camel.createProducerTemplate(), DATA_SOURCE, SqlDialect.of(s.dbUrl()), java.time.Clock.systemUTC()))
                .anonymousAccess(anonymous)
                .globalSettings(globalSettings)
                .frontDoors(frontDoors::list)
                .limits(s.limits())
                .saturation(admission::saturation)
                .quality(quality)
                .recommendations(recommendations)
                .shared(shared)
                .start(s.managementHost(), s.managementPort());
        resources.add(management);
        // Closed first: nothing else stops while requests are still being answered.
        resources.add(() -> new Drain(camel, gate, pipeline::cutOpenRequests).run(shutdownGrace));

        long ms = (System.nanoTime() - t0) / 1_000_000;
        String host = s.host().equals("0.0.0.0") ? "localhost" : s.host();
        LOG.info("Management: http://{}:{}/health, /metrics, /admin/api/usage", s.managementHost(), management.port());
        LOG.info("Switchboard ready in {} ms. OpenAI base URL: http://{}:{}/v1", ms, host, port());
    }

    /** Names the instance on every data-plane answer, so a load balancer's spread can be seen (and tested). */
    private static io.vertx.core.Handler<io.vertx.ext.web.RoutingContext> instanceHeader(String instanceId) {
        return ctx -> {
            ctx.response().putHeader(INSTANCE_HEADER, instanceId);
            ctx.next();
        };
    }

    /** Deletes old usage once a day, the first time a minute after start. */
    private static org.apache.camel.builder.RouteBuilder retentionRoute(Retention retention) {
        return new org.apache.camel.builder.RouteBuilder() {
            @Override
            public void configure() {
                from("timer:usage-retention?delay=60000&period=" + Retention.PERIOD.toMillis()).routeId("usage-retention")
                        .process(exchange -> retention.run(java.time.Instant.now()));
            }
        };
    }

    private static void logProviders(Catalog cat) {
        if (cat.simulatorMode()) {
            LOG.info("Providers: no provider key set; the built-in simulator at {} answers every model",
                    cat.provider(ProviderSpec.SIMULATOR).map(ProviderSpec::baseUrl).orElse("?"));
        }
        for (ProviderSpec p : cat.providers()) {
            if (p.id().equals(ProviderSpec.SIMULATOR)) {
                continue;
            }
            if (p.enabled()) {
                LOG.info("Provider {}: enabled at {} (key {})", p.id(), p.baseUrl(), p.apiKey() == null ? "none" : p.apiKey().masked());
            } else {
                LOG.info("Provider {}: off ({})", p.id(), p.disabledReason());
            }
        }
    }

    private static String redactUrl(String url) {
        return url.replaceAll("(?i)(password=)[^;&]*", "$1***");
    }

    public int port() {
        return settings.port() == 0 ? firstServerPort() : settings.port();
    }

    private int firstServerPort() {
        return camel.hasService(VertxPlatformHttpServer.class).getServer().actualPort();
    }

    public int managementPort() {
        return management.port();
    }

    /** "METHOD /path" of every management API route (the OpenAPI document is checked against them). */
    public List<String> managementRoutes() {
        return management.apiRoutes();
    }

    public Catalog catalog() {
        return catalog.get();
    }

    public BreakerRegistry breakers() {
        return breakers;
    }

    public RulesHolder rules() {
        return rules;
    }

    public UsageWriter usageWriter() {
        return writer;
    }

    /** The retention job, for tests that run it at a time of their choosing. */
    public Retention retention() {
        return retention;
    }

    public CamelContext camel() {
        return camel;
    }

    /**
     * Stops in reverse order of start: the drain (no new requests; those in flight finish within
     * {@code SWITCHBOARD_SHUTDOWN_GRACE_SECONDS} or are recorded as cut), the management server, the usage
     * writer's last flush, Camel, then the database, broker and Vert.x.
     */
    @Override
    public void close() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.warn("Stopping {}: {}", resources.get(i), e.getMessage());
            }
        }
        resources.clear();
    }

}
