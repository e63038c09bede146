package dev.switchboard.pipeline;

import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.Deployment;
import dev.switchboard.catalog.ModelSpec;
import dev.switchboard.catalog.Price;
import dev.switchboard.pipeline.RequestContext.Target;
import java.util.List;
import java.util.Optional;

/**
 * What a target costs and how long its answers can be. A catalog model has its own price. An ad-hoc
 * {@code provider/model-id} has none, yet it spends the same money: it is priced as the catalog model that
 * provider serves under the same upstream id, else at the provider's dearest catalog rates, so an unlisted id
 * is never a way past a budget. A provider without any catalog model has no known price.
 */
final class Pricing {
    private Pricing() {
    }

    /** A price and the context window that bounds one answer. */
    record Terms(Price price, int contextWindow) {
    }

    static Optional<Terms> of(Target target, Catalog cat) {
        if (target.model() != null) {
            return Optional.of(terms(target.model()));
        }
        String provider = namedProvider(target);
        List<ModelSpec> served = cat.models().stream().filter(m -> servedBy(m, provider, null)).toList();
        return served.stream().filter(m -> servedBy(m, provider, target.upstreamId())).findFirst().map(Pricing::terms)
                .or(() -> dearest(served));
    }

    private static Terms terms(ModelSpec model) {
        return new Terms(model.price(), model.contextWindow());
    }

    /** Every rate at its highest among the provider's models: no unlisted model of it can cost more per token. */
    private static Optional<Terms> dearest(List<ModelSpec> models) {
        if (models.isEmpty()) {
            return Optional.empty();
        }
        Price top = Price.FREE;
        int window = 0;
        for (ModelSpec m : models) {
            Price p = m.price();
            top = new Price(Math.max(top.input(), p.input()), Math.max(top.output(), p.output()),
                    Math.max(top.cachedInput(), p.cachedInput()), Math.max(top.cacheWrite(), p.cacheWrite()),
                    Math.max(top.searchPer1k(), p.searchPer1k()));
            window = Math.max(window, m.contextWindow());
        }
        return Optional.of(new Terms(top, window));
    }

    /** A model with a deployment on {@code provider} (under {@code upstreamId}, when given). */
    private static boolean servedBy(ModelSpec model, String provider, String upstreamId) {
        for (Deployment d : model.deployments()) {
            if (d.provider().equals(provider) && (upstreamId == null || d.upstreamId().equals(upstreamId))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The provider the caller named in {@code provider/model-id}: the one whose prices apply, even when another
     * (the simulator) serves it.
     */
    private static String namedProvider(Target target) {
        int slash = target.name().indexOf('/');
        return slash > 0 ? target.name().substring(0, slash) : target.provider().id();
    }
}
