package dev.switchboard.pipeline;

import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.ModelSpec;
import dev.switchboard.catalog.ProviderSpec;
import dev.switchboard.context.ContextFitter;
import dev.switchboard.context.SummaryStore;
import dev.switchboard.pipeline.RequestContext.Target;
import dev.switchboard.providers.Adapters;
import dev.switchboard.quality.QualityEvaluation;
import dev.switchboard.recording.RequestMetrics;
import dev.switchboard.recording.UsageWriter;
import dev.switchboard.resilience.BreakerRegistry;
import dev.switchboard.resilience.LoadBalancer;
import dev.switchboard.resilience.ModelHealth;
import dev.switchboard.resilience.RateLimiters;
import dev.switchboard.routing.RulesHolder;
import java.time.Duration;
import java.util.function.Supplier;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.spi.InflightRepository;

/**
 * The request pipeline as Camel routes. Front doors (routes/*.yaml) end in {@code direct:chat},
 * {@code direct:embeddings} or {@code direct:models}; each reads as its stages: format → route → (chat: cache, whose
 * hit is answered at once) → fallback
 * (which calls {@code direct:model-<id>}, one breaker-guarded route per model from the template
 * {@code call-model}; models the catalog does not list share one route per provider, from {@code call-ad-hoc-model},
 * each guarded by a breaker of its own) → respond → record. {@code direct:feedback} takes an agent's rating of an answer.
 */
public final class PipelineRoutes extends RouteBuilder {
    static final String TEMPLATE = "call-model";
    static final String AD_HOC_TEMPLATE = "call-ad-hoc-model";
    /** The entries a front door (routes/*.yaml) hands its requests to; documented in routes/README.md. */
    public static final java.util.Set<String> ENTRIES = java.util.Set.of("direct:chat", "direct:messages", "direct:embeddings", "direct:models",
            "direct:feedback", "direct:responses", "direct:response", "direct:count-tokens");
    private static final String UPSTREAM = "http://upstream?throwExceptionOnFailure=false&disableStreamCache=true&followRedirects=false"
            + "&connectTimeout={{connectTimeout}}&responseTimeout={{firstByteTimeout}}&soTimeout={{firstByteTimeout}}";

    private final Supplier<Catalog> catalog;
    private final BreakerRegistry breakers;
    private final FormatStage format;
    private final RouteStage route;
    private final ModelCall call;
    private final RespondStage respond;
    private final CacheStage cache;
    private final SharedAnswers sharedCache;
    private final RecordStage record;
    private final FeedbackStage feedback;
    private final QualityEvaluation quality;
    private final ModelHealth health;
    private final HealthView healthView;
    private final HealthProbe probe;
    private final RateLimiters limiters;
    private final RulesHolder rules;
    private final long rulesPollMillis;
    private final ResponsesDoor responses;

    public PipelineRoutes(Supplier<Catalog> catalog, RulesHolder rules, Adapters adapters, BreakerRegistry breakers,
                          ModelHealth health, UsageWriter writer, RequestMetrics metrics, long rulesPollMillis, Duration probeInterval,
                          dev.switchboard.catalog.Agents agents, dev.switchboard.catalog.AnonymousAccess anonymous,
                          dev.switchboard.recording.BudgetLedger ledger, CacheOptions cacheOptions, QualityEvaluation quality,
                          dev.switchboard.responses.ResponseStore responseStore) {
        this.catalog = catalog;
        this.format = new FormatStage(agents, anonymous);
        this.breakers = breakers;
        this.health = health;
        this.rules = rules;
        this.healthView = new HealthView(catalog, breakers, health);
        this.limiters = new RateLimiters(System::nanoTime);
        this.route = new RouteStage(catalog, rules, healthView, limiters, new LoadBalancer(health), ledger);
        this.call = new ModelCall(adapters, health);
        this.probe = new HealthProbe(catalog, adapters, health, probeInterval);
        this.record = new RecordStage(writer, metrics, ledger, quality);
        this.sharedCache = cacheOptions.sharedDb() == null ? null
                : new SharedAnswers(cacheOptions.sharedDb(), catalog, cacheOptions.clock(), cacheOptions.sharedMaxBytes());
        this.cache = new CacheStage(cacheOptions.maxBytes(), catalog, cacheOptions.clock(), sharedCache);
        this.respond = new RespondStage(catalog, record, cache);
        this.feedback = new FeedbackStage(quality);
        this.quality = quality;
        this.responses = new ResponsesDoor(responseStore);

        this.rulesPollMillis = rulesPollMillis;
    }

    /** Stops the shared cache tier's writer (after its queued answers are written) and sweep; nothing without one. */
    public void closeSharedCache() {
        if (sharedCache != null) {
            sharedCache.close();
        }
    }

    @Override
    public void configure() {
        InternalRequests internal = new InternalRequests(getContext().createProducerTemplate());
        cache.embedThrough(internal);
        ContextStage context = new ContextStage(catalog, new ContextFitter(new SummaryStore(
                getContext().getRegistry().findSingleByType(javax.sql.DataSource.class), java.time.Clock.systemUTC())), internal);
        FallbackStage fallback = new FallbackStage(getContext().createProducerTemplate(), call, breakers, health, limiters, rules, context);

        onException(Throwable.class).handled(true).process(respond::error);

        from("direct:chat").routeId("chat")
                .process(format::chat).id("format")
                .process(route::chat).id("route")
                .process(cache::lookup).id("cache")
                .choice()
                    .when(variable(CacheStage.HIT).isNotNull()).process(respond::cached).id("respond-cached")
                    .otherwise()
                        .process(fallback::walk).id("fallback")
                        .process(respond::chat).id("respond-and-record")
                .end();

        from("direct:messages").routeId("messages")
                .process(format::messages).id("format-messages")
                .process(route::chat).id("route-messages")
                .process(cache::lookup).id("cache-messages")
                .choice()
                    .when(variable(CacheStage.HIT).isNotNull()).process(respond::cached).id("respond-cached-messages")
                    .otherwise()
                        .process(fallback::walk).id("fallback-messages")
                        .process(respond::chat).id("respond-messages")
                .end();

        from("direct:responses").routeId("responses")
                .process(e -> format.responses(e, responses)).id("format-responses")
                .process(route::chat).id("route-responses")
                .process(cache::lookup).id("cache-responses")
                .choice()
                    .when(variable(CacheStage.HIT).isNotNull()).process(respond::cached).id("respond-cached-responses")
                    .otherwise()
                        .process(fallback::walk).id("fallback-responses")
                        .process(respond::chat).id("respond-responses")
                .end();

        // Anthropic's token count of a Messages request, made by the gateway: no provider is called.
        from("direct:count-tokens").routeId("count-tokens")
                .process(format::countTokens).id("format-count-tokens")
                .process(respond::countTokens).id("respond-count-tokens");

        // A stored response read back or deleted by the caller that made it.
        from("direct:response").routeId("response")
                .process(format::storedResponse).id("format-response")
                .process(e -> respond.storedResponse(e, responses)).id("respond-response");

        // Summaries for the context stage: the agent's own request to its summary model, recorded as such.
        from(ContextStage.SUMMARY_ENDPOINT).routeId("context-summary")
                .process(format::summary).id("format-summary")
                .process(route::chat).id("route-summary")
                .process(fallback::walk).id("fallback-summary")
                .process(respond::chat).id("respond-summary");

        // Embeddings of questions for the semantic cache: the agent's own request to its embedding model.
        from(CacheStage.EMBEDDING_ENDPOINT).routeId("cache-embedding")
                .process(format::cacheEmbedding).id("format-cache-embedding")
                .process(route::embeddings).id("route-cache-embedding")
                .process(fallback::walk).id("fallback-cache-embedding")
                .process(respond::embeddings).id("respond-cache-embedding");

        // The model test panel of the management API (ModelTester): one model, pinned, recorded like any request.
        from(ModelTester.ENDPOINT).routeId("model-test")
                .process(e -> format.tryChat(e, e.getVariable(ModelTester.CALLER, String.class))).id("format-test")
                .process(route::pinned).id("route-test")
                .process(fallback::walk).id("fallback-test")
                .process(respond::chat).id("respond-test");

        from("direct:embeddings").routeId("embeddings")
                .process(format::embeddings).id("format-embeddings")
                .process(route::embeddings).id("route-embeddings")
                .process(fallback::walk).id("fallback-embeddings")
                .process(respond::embeddings).id("respond-embeddings");

        from("direct:models").routeId("models")
                .process(format::models)
                .process(respond::models);

        from("direct:feedback").routeId("feedback")
                .process(format::feedback).id("format-feedback")
                .process(feedback::store).id("store-feedback")
                .process(respond::feedback).id("respond-feedback");

        // One breaker per model. The upstream call alone sits inside it, so the gateway's own faults never open it.
        routeTemplate(TEMPLATE)
                .templateParameter("key")
                .templateParameter("breaker")
                .templateParameter("connectTimeout")
                .templateParameter("firstByteTimeout")
                .from("direct:model-{{key}}")
                .errorHandler(noErrorHandler())
                .circuitBreaker()
                    .resilience4jConfiguration().circuitBreaker("{{breaker}}").end()
                    .process(call::prepare)
                    .to(UPSTREAM)
                    .process(call::read)
                .end();

        // A provider's shared route for the models the catalog does not list: each such model has a breaker of
        // its own, so the fallback stage guards the call (one route breaker would pause them all together).
        routeTemplate(AD_HOC_TEMPLATE)
                .templateParameter("key")
                .templateParameter("connectTimeout")
                .templateParameter("firstByteTimeout")
                .from("direct:model-{{key}}")
                .errorHandler(noErrorHandler())
                .process(call::prepare)
                .to(UPSTREAM)
                .process(call::read);

        from("timer:rules-watch?delay=" + rulesPollMillis + "&period=" + rulesPollMillis).routeId("rules-watch")
                .process(e -> rules.reloadIfChanged());

        from("timer:quality-scores?delay=" + quality.firstRefresh().toMillis() + "&period=" + quality.refreshPeriod().toMillis())
                .routeId("quality-scores")
                .process(e -> quality.refreshScores());

        ProducerTemplate probeProducer = getContext().createProducerTemplate();
        from("timer:health-probe?delay=" + probe.interval().toMillis() + "&period=" + probe.interval().toMillis()).routeId("health-probe")
                .process(e -> probe.probeIdleProviders(probeProducer));
    }

    /** The "try a rule on a sample request" function of the management API. */
    public java.util.function.BiFunction<com.fasterxml.jackson.databind.JsonNode, RulesHolder, com.fasterxml.jackson.databind.node.ObjectNode>
            ruleTester(CamelContext context) {
        return new RuleTester(context, format, route);
    }

    /** The "replay recorded requests through a draft" function of the management API. */
    public java.util.function.BiFunction<java.util.List<java.util.Map<String, Object>>, RulesHolder, com.fasterxml.jackson.databind.node.ObjectNode>
            ruleReplay() {
        return new RuleReplay(catalog, route);
    }

    /** The model test panel of the management API. */
    public ModelTester modelTester(CamelContext context) {
        return new ModelTester(context, catalog);
    }

    /**
     * At the end of the shutdown's grace period: writes the row of every request still open, as truncated, so
     * none is lost when the process exits. Returns how many were cut.
     */
    public int cutOpenRequests(CamelContext context) {
        int cut = record.cutRelaying();
        for (InflightRepository.InflightExchange open : context.getInflightRepository().browse()) {
            RequestContext ctx = open.getExchange().getVariable(RequestContext.VARIABLE, RequestContext.class);
            if (ctx != null) {
                cut += record.cut(ctx, false) ? 1 : 0;
            }
        }
        return cut;
    }

    /** Admission control of the HTTP front doors; what it turns away is recorded like every other request. */
    public Admission admission(dev.switchboard.boot.ServerLimits limits, io.micrometer.core.instrument.MeterRegistry registry) {
        return new Admission(limits, registry, record);
    }

    public HealthView healthView() {
        return healthView;
    }

    /** Stamps out {@code direct:model-<id>} from the template for every model and provider of the catalog. */
    /** Instances sharing the database each enforce their share of every rate limit (see {@link RateLimiters}). */
    public void limitsSharedBy(java.util.function.IntSupplier liveInstances) {
        limiters.sharedBy(liveInstances);
    }

    public void addModelRoutes(CamelContext context) {
        addModelRoutes(context, catalog.get());
    }

    /** Adds the routes a catalog needs that do not exist yet (models and providers added at runtime). */
    public void addModelRoutes(CamelContext context, Catalog cat) {
        for (ModelSpec model : cat.models()) {
            for (dev.switchboard.catalog.Deployment d : model.deployments()) {
                addModelRoute(context, d.key(), model.connectTimeout(), model.firstByteTimeout());
            }
        }
        for (ProviderSpec provider : cat.providers()) {
            String key = adHocKey(provider.id());
            if (context.getRoute("model-" + key) == null) {
                templated(context, AD_HOC_TEMPLATE, key, ModelSpec.DEFAULT_CONNECT_TIMEOUT, ModelSpec.DEFAULT_FIRST_BYTE_TIMEOUT).add();
            }
        }
    }

    private void addModelRoute(CamelContext context, String key, Duration connect, Duration firstByte) {
        if (context.getRoute("model-" + key) != null) {
            return;
        }
        String breaker = "cb-" + key;
        context.getRegistry().bind(breaker, breakers.routeBreaker(key));
        templated(context, TEMPLATE, key, connect, firstByte).parameter("breaker", breaker).add();
    }

    private static TemplatedRouteBuilder templated(CamelContext context, String template, String key, Duration connect, Duration firstByte) {
        return TemplatedRouteBuilder.builder(context, template)
                .routeId("model-" + key)
                .parameter("key", key)
                .parameter("connectTimeout", Long.toString(connect.toMillis()))
                .parameter("firstByteTimeout", Long.toString(firstByte.toMillis()));
    }

    /** The route of a target: its model's own, or its provider's shared route for models the catalog does not list. */
    static String modelEndpoint(Target target) {
        return "direct:model-" + (isAdHoc(target) ? adHocKey(target.provider().id()) : target.key());
    }

    /** The name of a target's breaker and health entry: one per model, ad-hoc ones included. */
    static String breakerKey(Target target) {
        return target.key();
    }

    /** A model the catalog does not list: it shares its provider's route and has a breaker of its own. */
    static boolean isAdHoc(Target target) {
        return target.model() == null;
    }

    /**
     * Models the catalog does not list share one route per provider, so callers cannot mint routes; the
     * provider's active probe records its health under this key too.
     */
    static String adHocKey(String provider) {
        return provider + ".adhoc";
    }

    /** The breaker and health key of an ad-hoc model: the id the caller asked for, on the provider that serves it. */
    static String adHocModelKey(String provider, String upstreamId) {
        return provider + "/" + upstreamId;
    }
}
