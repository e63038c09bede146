package dev.switchboard.pipeline;

import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.ModelSpec;
import dev.switchboard.catalog.ProviderSpec;
import dev.switchboard.pipeline.RequestContext.Target;
import dev.switchboard.providers.Adapters;
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

/**
 * The request pipeline as Camel routes. Front doors (routes/*.yaml) end in {@code direct:chat},
 * {@code direct:embeddings} or {@code direct:models}; each reads as its stages: format → route → fallback
 * (which calls {@code direct:model-<id>}, one breaker-guarded route per model from the template
 * {@code call-model}) → respond → record.
 */
public final class PipelineRoutes extends RouteBuilder {
    static final String TEMPLATE = "call-model";

    private final Supplier<Catalog> catalog;
    private final BreakerRegistry breakers;
    private final FormatStage format;
    private final RouteStage route;
    private final ModelCall call;
    private final RespondStage respond;
    private final RecordStage record;
    private final ModelHealth health;
    private final HealthView healthView;
    private final HealthProbe probe;
    private final RateLimiters limiters;
    private final RulesHolder rules;
    private final long rulesPollMillis;

    public PipelineRoutes(Supplier<Catalog> catalog, RulesHolder rules, Adapters adapters, BreakerRegistry breakers,
                          ModelHealth health, UsageWriter writer, RequestMetrics metrics, long rulesPollMillis, Duration probeInterval,
                          dev.switchboard.catalog.Agents agents, java.util.function.BooleanSupplier allowAnonymous,
                          dev.switchboard.recording.BudgetLedger ledger) {
        this.catalog = catalog;
        this.format = new FormatStage(agents, allowAnonymous);
        this.breakers = breakers;
        this.health = health;
        this.rules = rules;
        this.healthView = new HealthView(catalog, breakers, health);
        this.limiters = new RateLimiters(System::nanoTime);
        this.route = new RouteStage(catalog, rules, healthView, limiters, new LoadBalancer(health), ledger);
        this.call = new ModelCall(adapters, health);
        this.probe = new HealthProbe(catalog, adapters, health, probeInterval);
        this.record = new RecordStage(writer, metrics, ledger);
        this.respond = new RespondStage(catalog, record);

        this.rulesPollMillis = rulesPollMillis;
    }

    @Override
    public void configure() {
        FallbackStage fallback = new FallbackStage(getContext().createProducerTemplate(), call, breakers, health, limiters, rules);

        onException(Throwable.class).handled(true).process(respond::error);

        from("direct:chat").routeId("chat")
                .process(format::chat).id("format")
                .process(route::chat).id("route")
                .process(fallback::walk).id("fallback")
                .process(respond::chat).id("respond-and-record");

        from("direct:messages").routeId("messages")
                .process(format::messages).id("format-messages")
                .process(route::chat).id("route-messages")
                .process(fallback::walk).id("fallback-messages")
                .process(respond::chat).id("respond-messages");

        from("direct:embeddings").routeId("embeddings")
                .process(format::embeddings).id("format-embeddings")
                .process(route::embeddings).id("route-embeddings")
                .process(fallback::walk).id("fallback-embeddings")
                .process(respond::embeddings).id("respond-embeddings");

        from("direct:models").routeId("models")
                .process(format::models)
                .process(respond::models);

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
                    .to("http://upstream?throwExceptionOnFailure=false&disableStreamCache=true&followRedirects=false"
                            + "&connectTimeout={{connectTimeout}}&responseTimeout={{firstByteTimeout}}&soTimeout={{firstByteTimeout}}")
                    .process(call::read)
                .end();

        from("timer:rules-watch?delay=" + rulesPollMillis + "&period=" + rulesPollMillis).routeId("rules-watch")
                .process(e -> rules.reloadIfChanged());

        ProducerTemplate probeProducer = getContext().createProducerTemplate();
        from("timer:health-probe?delay=" + probe.interval().toMillis() + "&period=" + probe.interval().toMillis()).routeId("health-probe")
                .process(e -> probe.probeIdleProviders(probeProducer));
    }

    /** The "try a rule on a sample request" function of the management API. */
    public java.util.function.Function<com.fasterxml.jackson.databind.JsonNode, com.fasterxml.jackson.databind.node.ObjectNode> ruleTester(
            CamelContext context) {
        return new RuleTester(context, format, route);
    }

    /** Admission control of the HTTP front doors; what it turns away is recorded like every other request. */
    public Admission admission(dev.switchboard.boot.ServerLimits limits, io.micrometer.core.instrument.MeterRegistry registry) {
        return new Admission(limits, registry, record);
    }

    public HealthView healthView() {
        return healthView;
    }

    /** Stamps out {@code direct:model-<id>} from the template for every model and provider of the catalog. */
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
            addModelRoute(context, adHocKey(provider.id()), ModelSpec.DEFAULT_CONNECT_TIMEOUT, ModelSpec.DEFAULT_FIRST_BYTE_TIMEOUT);
        }
    }

    private void addModelRoute(CamelContext context, String key, Duration connect, Duration firstByte) {
        if (context.getRoute("model-" + key) != null) {
            return;
        }
        String breaker = "cb-" + key;
        context.getRegistry().bind(breaker, breakers.breaker(key));
        TemplatedRouteBuilder.builder(context, TEMPLATE)
                .routeId("model-" + key)
                .parameter("key", key)
                .parameter("breaker", breaker)
                .parameter("connectTimeout", Long.toString(connect.toMillis()))
                .parameter("firstByteTimeout", Long.toString(firstByte.toMillis()))
                .add();
    }

    /** The route of a target: its model's own, or its provider's shared route for models the catalog does not list. */
    static String modelEndpoint(Target target) {
        return "direct:model-" + breakerKey(target);
    }

    /** The name of a target's route, breaker and health entry. */
    static String breakerKey(Target target) {
        return target.key();
    }

    /** Models the catalog does not list share one route (and breaker) per provider, so callers cannot mint routes. */
    static String adHocKey(String provider) {
        return provider + ".adhoc";
    }
}
