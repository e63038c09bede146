package dev.switchboard.catalog;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Providers, models and named fallback chains, as loaded and validated. Immutable: a new catalog replaces
 * the old one whole. In simulator mode (no provider has a key) every model is served by the built-in
 * simulator so the gateway is usable at once.
 */
public final class Catalog {
    private final Map<String, ProviderSpec> providers;
    private final Map<String, ModelSpec> models;
    private final Map<String, ChainSpec> chains;
    private final String defaultChatModel;
    private final String defaultEmbeddingModel;
    private final ProviderSpec simulator;
    private final int defaultRetries;
    private final Map<String, RateLimit> agentLimits;
    private final Map<String, com.fasterxml.jackson.databind.node.ObjectNode> templates;

    Catalog(Map<String, ProviderSpec> providers, Map<String, ModelSpec> models, Map<String, ChainSpec> chains,
            String defaultChatModel, String defaultEmbeddingModel, ProviderSpec simulator, int defaultRetries,
            Map<String, RateLimit> agentLimits, Map<String, com.fasterxml.jackson.databind.node.ObjectNode> templates) {
        this.providers = Map.copyOf(providers);
        this.models = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(models));
        this.chains = Map.copyOf(chains);
        this.defaultChatModel = defaultChatModel;
        this.defaultEmbeddingModel = defaultEmbeddingModel;
        this.simulator = simulator;
        this.defaultRetries = defaultRetries;
        this.agentLimits = Map.copyOf(agentLimits);
        this.templates = Map.copyOf(templates);
    }

    public Optional<ModelSpec> model(String id) {
        return Optional.ofNullable(id == null ? null : models.get(id));
    }

    /**
     * The catalog model an ad-hoc {@code provider/model-id} is: the one served on that provider under that id
     * ({@code openai/gpt-4o}), or under the id it is a dated snapshot of ({@code openai/gpt-4o-2024-08-06},
     * {@code xai/grok-4-0709}); the longest such id wins. Empty for other names.
     */
    public Optional<ModelSpec> modelServing(String qualifiedName) {
        int slash = qualifiedName == null ? -1 : qualifiedName.indexOf('/');
        if (slash <= 0) {
            return Optional.empty();
        }
        String provider = qualifiedName.substring(0, slash);
        String name = qualifiedName.substring(slash + 1);
        ModelSpec found = null;
        int foundLength = -1;
        for (ModelSpec model : models.values()) {
            for (Deployment d : model.deployments()) {
                String id = d.upstreamId();
                if (d.provider().equals(provider) && id != null && id.length() > foundLength
                        && (name.equals(id) || name.startsWith(id + "-") && isDateStamp(name.substring(id.length() + 1)))) {
                    found = model;
                    foundLength = id.length();
                }
            }
        }
        return Optional.ofNullable(found);
    }

    /** Digits and dashes with at least four digits: how providers date a snapshot (2024-08-06, 20250805, 0709). */
    private static boolean isDateStamp(String s) {
        int digits = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                digits++;
            } else if (c != '-') {
                return false;
            }
        }
        return digits >= MIN_DATE_STAMP_DIGITS;
    }

    /** A snapshot suffix shorter than this ("-5" of claude-sonnet-4-5) is a version, not a date. */
    private static final int MIN_DATE_STAMP_DIGITS = 4;

    public Optional<ProviderSpec> provider(String id) {
        if (simulator != null && ProviderSpec.SIMULATOR.equals(id)) {
            return Optional.of(simulator);
        }
        return Optional.ofNullable(providers.get(id));
    }

    public List<ModelSpec> models() {
        return List.copyOf(models.values());
    }

    public List<ProviderSpec> providers() {
        List<ProviderSpec> all = new ArrayList<>(providers.values());
        if (simulator != null) {
            all.add(simulator);
        }
        return all;
    }

    /** The provider that answers for this model now: its own when enabled, else the simulator in simulator mode. */
    public ProviderSpec providerFor(ModelSpec model) {
        return providerFor(model.deployments().get(0));
    }

    /** The provider that answers for one deployment now: its own when enabled, else the simulator in simulator mode. */
    public ProviderSpec providerFor(Deployment deployment) {
        ProviderSpec own = providers.get(deployment.provider());
        return own.enabled() || simulator == null ? own : simulator;
    }

    public boolean callable(ModelSpec model) {
        return model.deployments().stream().anyMatch(d -> providerFor(d).enabled());
    }

    public List<ModelSpec> callableModels() {
        return models.values().stream().filter(this::callable).toList();
    }

    /** A named chain, if it exists and is active. */
    public Optional<ChainSpec> chain(String name) {
        return Optional.ofNullable(chains.get(name)).filter(ChainSpec::active);
    }

    /** The chain of a request for {@code model} when no rule names one: the model, then its fallbacks. */
    public ChainSpec implicitChain(String model) {
        return ChainSpec.implicit(model, model(model).map(ModelSpec::fallbacks).orElse(List.of()), defaultRetries);
    }

    /** A named parameter set ("creative", "precise", "code"), if the catalog has it. */
    public Optional<com.fasterxml.jackson.databind.node.ObjectNode> template(String name) {
        return Optional.ofNullable(name == null ? null : templates.get(name));
    }

    /** The names of the catalog's parameter templates. */
    public java.util.Set<String> templateNames() {
        return templates.keySet();
    }

    /** A calling agent's own limits (catalog {@code agents:}); none when unlisted. */
    public RateLimit agentLimit(String agent) {
        return agentLimits.getOrDefault(agent, RateLimit.NONE);
    }

    public Map<String, ChainSpec> chains() {
        return chains;
    }

    public String defaultChatModel() {
        return defaultChatModel;
    }

    public String defaultEmbeddingModel() {
        return defaultEmbeddingModel;
    }

    /**
     * A copy with one more provider and its models. Models whose id the catalog already has are added as
     * {@code provider/model-id}, so nothing existing changes meaning.
     */
    public Catalog withProvider(ProviderSpec provider, List<ModelSpec> newModels) {
        if (providers.containsKey(provider.id())) {
            throw new IllegalArgumentException("provider '" + provider.id() + "' already exists");
        }
        Map<String, ProviderSpec> p = new LinkedHashMap<>(providers);
        p.put(provider.id(), provider);
        Map<String, ModelSpec> m = new LinkedHashMap<>(models);
        for (ModelSpec model : newModels) {
            m.putIfAbsent(model.id(), model);
        }
        return new Catalog(p, m, chains, defaultChatModel, defaultEmbeddingModel, simulator, defaultRetries, agentLimits, templates);
    }

    /** A copy where one provider calls with another key (and is enabled, the key having been checked). */
    public Catalog withProviderKey(String id, Secret key) {
        ProviderSpec p = providers.get(id);
        if (p == null) {
            throw new IllegalArgumentException("no provider '" + id + "'");
        }
        Map<String, ProviderSpec> copy = new LinkedHashMap<>(providers);
        copy.put(id, new ProviderSpec(p.id(), p.type(), p.baseUrl(), key, true, null, p.rateLimit()));
        return new Catalog(copy, models, chains, defaultChatModel, defaultEmbeddingModel, simulator, defaultRetries, agentLimits, templates);
    }

    public boolean simulatorMode() {
        return simulator != null;
    }
}
