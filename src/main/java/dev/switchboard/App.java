package dev.switchboard;

import dev.switchboard.admin.ManagementServer;
import dev.switchboard.boot.Database;
import dev.switchboard.boot.Drain;
import dev.switchboard.boot.EmbeddedBroker;
import dev.switchboard.boot.JmsCredentials;
import dev.switchboard.boot.ShutdownGate;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.Agents;
import dev.switchboard.catalog.AnonymousAccess;
import dev.switchboard.catalog.CatalogHolder;
import dev.switchboard.catalog.SecretBox;
import dev.switchboard.catalog.CatalogLoader;
import dev.switchboard.catalog.CatalogLoader.SimulatorMode;
import dev.switchboard.catalog.ProviderSpec;
import dev.switchboard.pipeline.FrontDoorErrors;
import dev.switchboard.pipeline.PipelineRoutes;
import dev.switchboard.providers.Adapters;
import dev.switchboard.admin.AlertSink;
import dev.switchboard.recording.BudgetLedger;
import dev.switchboard.recording.RequestMetrics;
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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.http.HttpComponent;
import org.apache.camel.component.jms.JmsComponent;
import io.vertx.core.impl.ContextInternal;
import org.apache.camel.component.platform.http.PlatformHttpConstants;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jms.connection.CachingConnectionFactory;

/**
 * Wires the gateway: database, broker, simulator, catalog, rules, breakers, the Camel pipeline with the
 * front doors of {@code routes/}, and the management server. {@link #start} returns a running gateway;
 * {@link #close} stops it in reverse order.
 */
public final class App implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard");
    public static final String DATA_SOURCE = "usageDb";
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
    private EmbeddedBroker broker;
    private Database database;
    private CatalogHolder catalog;

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
        App app = new App();
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
        database.execute(UsageWriter.ddl());
        ManagementServer.ddl().forEach(database::execute);
        resources.add(database::shutdown);
        LOG.info("Database: {} ready (usage records)", redactUrl(s.dbUrl()));

        broker = new EmbeddedBroker("127.0.0.1", s.jmsPort(), s.dataDir().resolve("broker"),
                JmsCredentials.resolve(s.env(), s.dataDir()));
        resources.add(broker);
        LOG.info("JMS broker: embedded Artemis, queue switchboard.requests, TCP clients on {}", broker.tcpUrl());

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
        camel.getRegistry().bind(DATA_SOURCE, database);
        camel.getRegistry().bind("vertx", vertx);
        camel.getRegistry().bind("metricsRegistry", metrics);
        CachingConnectionFactory jmsConnections = new CachingConnectionFactory(broker.inVmConnectionFactory());
        jmsConnections.setSessionCacheSize(32);
        JmsComponent jms = JmsComponent.jmsComponentAutoAcknowledge(jmsConnections);
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
        VertxPlatformHttpServer server = new VertxPlatformHttpServer(serverConfig);
        server.setVertx(vertx);
        camel.addService(server, true, true);
        VertxPlatformHttpEngine engine = new VertxPlatformHttpEngine();
        ShutdownGate gate = new ShutdownGate();
        engine.setHandlers(List.of(gate, App::ownContext));
        camel.getRegistry().bind(PlatformHttpConstants.PLATFORM_HTTP_ENGINE_NAME, engine);

        writer = new UsageWriter(camel.createProducerTemplate(), DATA_SOURCE, metrics, UsageWriter.DEFAULT_QUEUE_CAPACITY);
        ModelHealth health = new ModelHealth(java.time.Clock.systemUTC(), s.trackedModels());
        Agents agents = new Agents();
        AnonymousAccess anonymous = new AnonymousAccess(s.allowAnonymous(), s.anonymousTrusted(), catalog);
        anonymous.logCurrent();
        catalog.onChange(anonymous::logChange);
        ProducerTemplate alertProducer = camel.createProducerTemplate();
        BudgetLedger ledger = new BudgetLedger(java.time.Clock.systemUTC(), s.budgetAlertPercents(),
                new AlertSink(alertProducer, DATA_SOURCE, s.env().get("SWITCHBOARD_ALERT_WEBHOOK")));
        PipelineRoutes pipeline = new PipelineRoutes(catalog::get, rules, adapters, breakers, health,
                writer, new RequestMetrics(metrics, name -> catalog.get().model(name).isPresent()), s.rulesPollMillis(),
                s.probeInterval(), agents, anonymous, ledger);
        camel.addRoutes(pipeline);
        pipeline.addModelRoutes(camel);
        catalog.onChange((before, after) -> pipeline.addModelRoutes(camel, after));
        loadFrontDoors(camel, s.routesDir());
        camel.start();
        FrontDoorErrors.install(camel.getRegistry().findSingleByType(VertxPlatformHttpRouter.class));
        LOG.info("Pipeline: {} routes started ({} model routes, each behind its own circuit breaker)", camel.getRoutes().size(),
                camel.getRoutes().stream().filter(r -> r.getRouteId().startsWith("model-")).count());
        restoreSpend(ledger, camel.createProducerTemplate());
        writer.start();
        resources.add(camel::stop);
        // Closed before Camel: the writer inserts through camel-jdbc, so its last flush needs Camel running.
        resources.add(writer);

        ProducerTemplate admin = camel.createProducerTemplate();
        management = new ManagementServer(vertx, metrics, rules, catalog, adapters, breakers, writer, admin, DATA_SOURCE, s.adminToken(),
                pipeline.healthView()::statusJson,
                SecretBox.open(s.env().get(SecretBox.MASTER_KEY_ENV), SecretBox.defaultKeyFile(s.dataDir())), agents,
                document -> catalogLoader.parse(document, s.simulatorMode(), simulatorUrl, "catalog"), CatalogLoader.sourceText(s.catalogFile()))
                .ruleTester(pipeline.ruleTester(camel))
                .ruleReplay(pipeline.ruleReplay())
                .anonymousAccess(anonymous)
                .start(s.managementHost(), s.managementPort());
        resources.add(management);
        // Closed first: nothing else stops while requests are still being answered.
        resources.add(() -> new Drain(camel, gate, pipeline::cutOpenRequests).run(shutdownGrace));

        long ms = (System.nanoTime() - t0) / 1_000_000;
        String host = s.host().equals("0.0.0.0") ? "localhost" : s.host();
        LOG.info("Management: http://{}:{}/health, /metrics, /admin/api/usage", s.managementHost(), management.port());
        LOG.info("Switchboard ready in {} ms. OpenAI base URL: http://{}:{}/v1", ms, host, port());
    }

    /**
     * Runs each request on a context of its own (same event loop). Camel writes a streamed body from blocking
     * tasks that Vert.x 4 runs one after another per context, duplicated contexts included; on the shared
     * event-loop context one relaying stream would hold back every other stream of that event loop.
     */
    private static void ownContext(io.vertx.ext.web.RoutingContext ctx) {
        ContextInternal current = (ContextInternal) ctx.vertx().getOrCreateContext();
        ContextInternal own = ((io.vertx.core.impl.VertxInternal) ctx.vertx())
                .createEventLoopContext(current.nettyEventLoop(), current.workerPool(), current.classLoader());
        own.runOnContext(v -> ctx.next());
    }

    /** Budgets hold across restarts: this day's and month's spend per caller, from the usage rows. */
    private static void restoreSpend(BudgetLedger ledger, ProducerTemplate jdbc) {
        java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneOffset.UTC);
        java.util.Map<String, double[]> spend = new java.util.HashMap<>();
        String[] since = {today + " 00:00:00", today.withDayOfMonth(1) + " 00:00:00"};
        for (int i = 0; i < 2; i++) {
            List<?> rows = jdbc.requestBody("jdbc:" + DATA_SOURCE + "?outputType=SelectList",
                    "SELECT caller, SUM(cost_usd) AS spent FROM usage_record WHERE created_at >= TIMESTAMP '"
                            + since[i] + "' GROUP BY caller", List.class);
            for (Object o : rows) {
                java.util.Map<?, ?> row = (java.util.Map<?, ?>) o;
                Object caller = row.get("CALLER") != null ? row.get("CALLER") : row.get("caller");
                Object spent = row.get("SPENT") != null ? row.get("SPENT") : row.get("spent");
                if (caller != null && spent != null) {
                    spend.computeIfAbsent(caller.toString(), k -> new double[2])[i] = ((Number) spent).doubleValue();
                }
            }
        }
        spend.forEach((agent, s) -> ledger.restore(agent, s[0], s[1]));
    }

    private static void loadFrontDoors(CamelContext camel, Path routesDir) throws Exception {
        if (!Files.isDirectory(routesDir)) {
            LOG.warn("Routes: no folder {}; no front door is open (add routes/http.yaml)", routesDir.toAbsolutePath());
            return;
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(routesDir)) {
            files = list.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
        for (Path file : files) {
            PluginHelper.getRoutesLoader(camel).loadRoutes(
                    PluginHelper.getResourceLoader(camel).resolveResource("file:" + file.toAbsolutePath()));
        }
        LOG.info("Routes: {} front door file(s) from {}: {}", files.size(), routesDir,
                files.stream().map(p -> p.getFileName().toString()).toList());
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
