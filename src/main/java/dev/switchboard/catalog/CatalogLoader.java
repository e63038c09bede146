package dev.switchboard.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the catalog YAML (the bundled default, or the operator's file) and resolves keys and base URLs from
 * the environment. Every mistake is refused with the path of the offending entry, so a broken file never
 * half-loads.
 */
public final class CatalogLoader {
    public static final String BUNDLED = "/default-catalog.yaml";
    /** Wire formats a catalog may name. */
    public static final Set<String> KNOWN_TYPES = Set.of(
            "openai", "anthropic", "gemini", "ollama", "xai", "deepseek", "perplexity", "lmstudio");

    /**
     * The environment variables a provider's {@code keyEnv} may name: {@code NAME_API_KEY} (OPENAI_API_KEY,
     * ANTHROPIC_API_KEY, GEMINI_API_KEY, XAI_API_KEY, PERPLEXITY_API_KEY, DEEPSEEK_API_KEY, or a custom provider's
     * MISTRAL_API_KEY...). Anything else (the DB password, a cloud token) would be sent as a bearer token to the
     * provider's base URL, so a catalog cannot name it.
     */
    public static final Pattern KEY_VARIABLE = Pattern.compile("[A-Z][A-Z0-9_]*_API_KEY");
    /** The variables {@code baseUrlEnv} may name: {@code NAME_BASE_URL} or {@code NAME_HOST} (OLLAMA_HOST). */
    public static final Pattern BASE_URL_VARIABLE = Pattern.compile("[A-Z][A-Z0-9_]*_(BASE_URL|HOST)");
    /** The gateway's own settings (admin token, master key, DB password): never readable through the catalog. */
    private static final String OWN_SETTINGS_PREFIX = "SWITCHBOARD_";

    private final Map<String, String> env;
    /** Wire formats this build has adapters for; providers of other types are listed but off. */
    private final Set<String> supportedTypes;
    private final int defaultRetries;

    /** {@code defaultRetries}: extra attempts of a chain that names none (chains set their own maxAttempts). */
    public CatalogLoader(Map<String, String> env, Set<String> supportedTypes, int defaultRetries) {
        this.env = Map.copyOf(env);
        this.supportedTypes = Set.copyOf(supportedTypes);
        this.defaultRetries = defaultRetries;
    }

    public CatalogLoader(Map<String, String> env) {
        this(env, KNOWN_TYPES, ChainSpec.EXTRA_ATTEMPTS);
    }

    /** Loads {@code file} when given, else the bundled default catalog. */
    public Catalog load(Path file, SimulatorMode simulatorMode, String simulatorBaseUrl) {
        return parse(sourceText(file), simulatorMode, simulatorBaseUrl, file == null ? "bundled catalog" : file.toString());
    }

    /** The catalog document as text: the operator's file, or the bundled default. */
    public static String sourceText(Path file) {
        try {
            if (file != null) {
                return Files.readString(file);
            }
            try (InputStream in = CatalogLoader.class.getResourceAsStream(BUNDLED)) {
                return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new CatalogException("cannot read catalog " + (file == null ? BUNDLED : file) + ": " + e.getMessage());
        }
    }

    /** A catalog from a YAML (or JSON) document; every mistake refused with its path in {@code source}. */
    public Catalog parse(String document, SimulatorMode simulatorMode, String simulatorBaseUrl, String source) {
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(document);
        } catch (IOException e) {
            throw new CatalogException(source + ": not YAML: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new CatalogException(source + ": a catalog is a YAML object with defaults, providers, models and chains");
        }
        return build(root, simulatorMode, simulatorBaseUrl, source);
    }

    Catalog build(JsonNode root, SimulatorMode simulatorMode, String simulatorBaseUrl, String source) {
        CatalogKeys.check(root, source);
        Map<String, ProviderSpec> providers = new LinkedHashMap<>();
        JsonNode providerList = root.path("providers");
        for (int i = 0; i < providerList.size(); i++) {
            JsonNode p = providerList.get(i);
            String where = source + ": providers[" + i + "]";
            String id = required(p, "id", where);
            String type = required(p, "type", where);
            if (!KNOWN_TYPES.contains(type)) {
                throw new CatalogException(where + ".type: unknown provider type '" + type + "', expected one of " + KNOWN_TYPES);
            }
            if (providers.containsKey(id)) {
                // The later entry would silently win: one provider, two base URLs.
                throw new CatalogException(where + ".id: provider '" + id + "' is listed twice");
            }
            providers.put(id, resolveProvider(id, type, p, where));
        }

        Map<String, ObjectNode> templates = new LinkedHashMap<>();
        root.path("templates").fields().forEachRemaining(e -> {
            if (!e.getValue().isObject()) {
                throw new CatalogException(source + ": templates." + e.getKey() + ": a template is a map of parameters, e.g. {temperature: 0.2}");
            }
            checkTemperature((ObjectNode) e.getValue(), source + ": templates." + e.getKey());
            templates.put(e.getKey(), (ObjectNode) e.getValue());
        });
        Map<String, Set<String>> profiles = new LinkedHashMap<>();
        root.path("profiles").fields().forEachRemaining(e -> {
            Set<String> caps = new HashSet<>();
            e.getValue().forEach(c -> caps.add(c.asText()));
            profiles.put(e.getKey(), caps);
        });
        Map<String, JsonNode> modelNodes = new LinkedHashMap<>();
        root.path("models").forEach(m -> modelNodes.putIfAbsent(m.path("id").asText(""), m));

        Map<String, ModelSpec> models = new LinkedHashMap<>();
        JsonNode modelList = root.path("models");
        for (int i = 0; i < modelList.size(); i++) {
            String where = source + ": models[" + i + "]";
            JsonNode m = expand(modelList.get(i), modelNodes, templates, profiles, where);
            String id = required(m, "id", where);
            String provider = required(m, "provider", where);
            if (!providers.containsKey(provider)) {
                throw new CatalogException(where + ".provider: unknown provider '" + provider + "' for model '" + id + "'");
            }
            if (models.containsKey(id)) {
                throw new CatalogException(where + ".id: model '" + id + "' is listed twice");
            }
            ModelSpec spec = model(m, id, provider, where);
            for (Deployment d : spec.deployments()) {
                if (!providers.containsKey(d.provider())) {
                    throw new CatalogException(where + ".deployments: unknown provider '" + d.provider() + "' for model '" + id + "'");
                }
            }
            models.put(id, spec);
        }

        Map<String, RateLimit> agentLimits = new LinkedHashMap<>();
        root.path("agents").fields().forEachRemaining(e -> agentLimits.put(e.getKey(), rateLimit(e.getValue(), source + ": agents." + e.getKey())));

        Map<String, ChainSpec> chains = new LinkedHashMap<>();
        root.path("chains").fields().forEachRemaining(e -> chains.put(e.getKey(), chain(e.getKey(), e.getValue(), source)));

        for (ModelSpec m : models.values()) {
            for (String f : m.fallbacks()) {
                if (!models.containsKey(f)) {
                    throw new CatalogException(source + ": model '" + m.id() + "' falls back to unknown model '" + f + "'");
                }
            }
        }
        chains.values().forEach(chain -> {
            String where = source + ": chains." + chain.id();
            if (chain.models().isEmpty()) {
                throw new CatalogException(where + ": chain '" + chain.id() + "' is empty");
            }
            if (new HashSet<>(chain.models()).size() != chain.models().size()) {
                // A model twice is a cycle: the walk would come back to a model that already failed.
                throw new CatalogException(where + ": chain '" + chain.id() + "' names a model twice (a cycle): " + chain.models());
            }
            chain.models().forEach(mid -> {
                if (!models.containsKey(mid)) {
                    throw new CatalogException(where + ": chain '" + chain.id() + "' names unknown model '" + mid + "'");
                }
            });
        });

        String defaultChat = root.path("defaults").path("chatModel").asText(null);
        String defaultEmbedding = root.path("defaults").path("embeddingModel").asText(null);
        if (defaultChat == null || !models.containsKey(defaultChat)) {
            throw new CatalogException(source + ": defaults.chatModel '" + defaultChat + "' is not a model of the catalog");
        }
        if (defaultEmbedding != null && !models.containsKey(defaultEmbedding)) {
            throw new CatalogException(source + ": defaults.embeddingModel '" + defaultEmbedding + "' is not a model of the catalog");
        }

        boolean anyEnabled = providers.values().stream().anyMatch(ProviderSpec::enabled);
        boolean simulate = simulatorMode == SimulatorMode.ON || (simulatorMode == SimulatorMode.AUTO && !anyEnabled);
        ProviderSpec simulator = simulate
                ? new ProviderSpec(ProviderSpec.SIMULATOR, "openai", simulatorBaseUrl, Secret.of("sk-simulator-no-key-needed"), true, null)
                : null;
        return new Catalog(providers, models, chains, defaultChat, defaultEmbedding, simulator, defaultRetries, agentLimits, templates);
    }

    /** A chain: a plain list of models, or an object with models, maxAttempts, retryOn, preserveContext, active, context. */
    private ChainSpec chain(String id, JsonNode node, String source) {
        String where = source + ": chains." + id;
        List<String> models = new ArrayList<>();
        JsonNode list = node.isArray() ? node : node.path("models");
        list.forEach(n -> models.add(n.asText()));
        if (node.isArray()) {
            return new ChainSpec(id, id, null, models, models.size() + defaultRetries, ChainSpec.DEFAULT_RETRY_ON, true, true,
                    ChainSpec.DEFAULT_DEADLINE);
        }
        int maxAttempts = node.path("maxAttempts").asInt(models.size() + defaultRetries);
        if (maxAttempts < 1) {
            throw new CatalogException(where + ".maxAttempts: must be at least 1, got " + maxAttempts);
        }
        java.util.Set<ChainSpec.RetryOn> retryOn = java.util.EnumSet.noneOf(ChainSpec.RetryOn.class);
        if (node.has("retryOn")) {
            for (JsonNode r : node.get("retryOn")) {
                try {
                    retryOn.add(ChainSpec.RetryOn.parse(r.asText()));
                } catch (IllegalArgumentException e) {
                    throw new CatalogException(where + ".retryOn: " + e.getMessage());
                }
            }
        } else {
            retryOn.addAll(ChainSpec.DEFAULT_RETRY_ON);
        }
        java.time.Duration deadline = node.has("deadlineMs") ? duration(node, "deadlineMs", null, where) : ChainSpec.DEFAULT_DEADLINE;
        return new ChainSpec(id, node.path("name").asText(id), node.path("description").asText(null), models, maxAttempts, retryOn,
                node.path("preserveContext").asBoolean(true), node.path("active").asBoolean(true), deadline, stepContexts(node, models, where));
    }

    /** {@code context: {model: strategy}}: a step's own context strategy, in the agents' notation. */
    private static Map<String, ContextPolicy> stepContexts(JsonNode node, List<String> models, String where) {
        Map<String, ContextPolicy> steps = new LinkedHashMap<>();
        JsonNode context = node.get("context");
        if (context == null) {
            return steps;
        }
        if (!context.isObject()) {
            throw new CatalogException(where + ".context: a map from a model of the chain to its context strategy");
        }
        context.fields().forEachRemaining(e -> {
            if (!models.contains(e.getKey())) {
                throw new CatalogException(where + ".context." + e.getKey() + ": not a model of the chain " + models);
            }
            try {
                steps.put(e.getKey(), ContextPolicy.parse(e.getValue(), null, "context"));
            } catch (dev.switchboard.api.GatewayError bad) {
                throw new CatalogException(where + ".context." + e.getKey() + ": " + bad.getMessage());
            }
        });
        return steps;
    }

    private ProviderSpec resolveProvider(String id, String type, JsonNode p, String where) {
        String keyEnv = variable(p, "keyEnv", KEY_VARIABLE, "a provider key variable such as OPENAI_API_KEY (NAME_API_KEY)", where);
        String baseUrlEnv = variable(p, "baseUrlEnv", BASE_URL_VARIABLE, "a base URL variable such as OPENAI_BASE_URL (NAME_BASE_URL or NAME_HOST)", where);
        boolean local = p.path("local").asBoolean(false);
        String baseUrl = p.path("baseUrl").asText(null);
        String fromEnv = baseUrlEnv == null ? null : blankToNull(env.get(baseUrlEnv));
        if (fromEnv != null) {
            baseUrl = fromEnv;
        }
        Secret key = keyEnv == null ? null : Secret.of(env.get(keyEnv));
        String reason = null;
        if (!supportedTypes.contains(type)) {
            reason = "the " + type + " wire format is not supported by this build yet";
        } else if (local && fromEnv == null) {
            reason = "local server: set " + baseUrlEnv + " to enable it";
        } else if (!local && key == null) {
            reason = "no key: set " + keyEnv + " to enable it";
        }
        return new ProviderSpec(id, type, stripSlash(baseUrl), key, reason == null, reason, rateLimit(p, "providers." + id));
    }

    /** The environment variable a provider field names, refused unless it is one a provider may read. */
    private static String variable(JsonNode p, String field, Pattern allowed, String expected, String where) {
        String name = p.path(field).asText(null);
        if (name != null && (name.startsWith(OWN_SETTINGS_PREFIX) || !allowed.matcher(name).matches())) {
            throw new CatalogException(where + "." + field + ": '" + name + "' cannot be read by a provider; expected " + expected
                    + ", never one of the gateway's own " + OWN_SETTINGS_PREFIX + "* settings");
        }
        return name;
    }

    /**
     * A model of a provider added through the management API, from the settings given for it ({@code contextWindow},
     * {@code price}, {@code defaults}, {@code capabilities}), checked as a catalog entry is; {@code where} names it in errors.
     */
    public static ModelSpec addedModel(String id, String provider, String upstreamId, ObjectNode settings, String where) {
        ObjectNode m = settings.deepCopy();
        m.put("upstreamId", upstreamId);
        return model(m, id, provider, where);
    }

    private static ModelSpec model(JsonNode m, String id, String provider, String where) {
        int contextWindow = m.path("contextWindow").asInt(0);
        if (contextWindow <= 0) {
            throw new CatalogException(where + ".contextWindow: missing or not positive for model '" + id + "'");
        }
        JsonNode priceNode = m.path("price");
        double input = nonNegative(priceNode, "input", where);
        Price price = new Price(input, nonNegative(priceNode, "output", where),
                priceNode.has("cachedInput") ? nonNegative(priceNode, "cachedInput", where) : input,
                priceNode.has("cacheWrite") ? nonNegative(priceNode, "cacheWrite", where) : input,
                nonNegative(priceNode, "searchPer1k", where));
        Set<String> capabilities = new HashSet<>();
        m.path("capabilities").forEach(c -> capabilities.add(c.asText()));
        if (capabilities.isEmpty()) {
            capabilities.add("chat");
        }
        List<String> fallbacks = new ArrayList<>();
        m.path("fallbacks").forEach(f -> fallbacks.add(f.asText()));
        ObjectNode defaults = m.path("defaults").isObject() ? (ObjectNode) m.get("defaults") : JsonNodeFactory.instance.objectNode();
        checkTemperature(defaults, where + ".defaults");
        return new ModelSpec(id, provider, m.path("upstreamId").asText(id), contextWindow, price, capabilities, defaults, fallbacks,
                duration(m, "connectTimeoutMs", ModelSpec.DEFAULT_CONNECT_TIMEOUT, where),
                duration(m, "firstByteTimeoutMs", ModelSpec.DEFAULT_FIRST_BYTE_TIMEOUT, where),
                rateLimit(m, where), deployments(m, id, where), balance(m, where), info(m), cacheable(m, where));
    }

    /** {@code cache: false} keeps a model's answers out of the response cache; true (the default) leaves it to the agents. */
    private static boolean cacheable(JsonNode m, String where) {
        JsonNode cache = m.get("cache");
        if (cache != null && !cache.isBoolean()) {
            throw new CatalogException(where + ".cache: true or false, got " + cache);
        }
        return cache == null || cache.asBoolean();
    }

    /**
     * A model entry with what it refers to filled in: a fine-tune ({@code baseModel}, {@code fineTuneId})
     * inherits its base model's fields; a {@code profile} adds its capabilities; a {@code template} fills
     * default parameters the model does not set itself.
     */
    private static JsonNode expand(JsonNode m, Map<String, JsonNode> nodes, Map<String, ObjectNode> templates,
                                   Map<String, Set<String>> profiles, String where) {
        ObjectNode out = (ObjectNode) m.deepCopy();
        String base = m.path("baseModel").asText(null);
        if (base != null) {
            JsonNode baseNode = nodes.get(base);
            if (baseNode == null || baseNode.has("baseModel")) {
                throw new CatalogException(where + ".baseModel: '" + base + "' is not a (non-fine-tuned) model of the catalog");
            }
            out = (ObjectNode) baseNode.deepCopy();
            out.remove(List.of("fallbacks", "deployments"));
            out.setAll((ObjectNode) m);
            String fineTune = m.path("fineTuneId").asText(null);
            if (fineTune == null || fineTune.isBlank()) {
                throw new CatalogException(where + ".fineTuneId: a fine-tuned model needs the provider's id of the fine-tune");
            }
            out.put("upstreamId", fineTune);
        }
        String profile = out.path("profile").asText(null);
        if (profile != null) {
            Set<String> caps = profiles.get(profile);
            if (caps == null) {
                throw new CatalogException(where + ".profile: unknown capability profile '" + profile + "', profiles: " + profiles.keySet());
            }
            com.fasterxml.jackson.databind.node.ArrayNode list = out.putArray("capabilities");
            Set<String> all = new java.util.TreeSet<>(caps);
            m.path("capabilities").forEach(c -> all.add(c.asText()));
            all.forEach(list::add);
        }
        String template = out.path("template").asText(null);
        if (template != null) {
            ObjectNode params = templates.get(template);
            if (params == null) {
                throw new CatalogException(where + ".template: unknown parameter template '" + template + "', templates: " + templates.keySet());
            }
            ObjectNode defaults = params.deepCopy();
            if (out.path("defaults").isObject()) {
                defaults.setAll((ObjectNode) out.get("defaults"));
            }
            out.set("defaults", defaults);
        }
        return out;
    }

    private static void checkTemperature(ObjectNode params, String where) {
        JsonNode temperature = params.get("temperature");
        if (temperature != null && (!temperature.isNumber() || temperature.asDouble() < 0 || temperature.asDouble() > 2)) {
            throw new CatalogException(where + ".temperature: must be a number from 0 to 2, got " + temperature);
        }
    }

    /** {@code deployments: [{provider, upstreamId, weight}]}: the same model at several providers, keys or regions. */
    private static List<Deployment> deployments(JsonNode m, String id, String where) {
        JsonNode list = m.path("deployments");
        if (!list.isArray() || list.isEmpty()) {
            return List.of();
        }
        List<Deployment> deployments = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode d = list.get(i);
            String provider = required(d, "provider", where + ".deployments[" + i + "]");
            int weight = d.path("weight").asInt(1);
            if (weight < 1) {
                throw new CatalogException(where + ".deployments[" + i + "].weight: must be at least 1");
            }
            String key = list.size() == 1 ? id : id + ".d" + i;
            deployments.add(new Deployment(key, provider, d.path("upstreamId").asText(m.path("upstreamId").asText(id)), weight));
        }
        return deployments;
    }

    private static ModelSpec.Info info(JsonNode m) {
        List<String> tags = new ArrayList<>();
        m.path("tags").forEach(t -> tags.add(t.asText()));
        return new ModelSpec.Info(m.path("baseModel").asText(null), m.path("trainingNotes").asText(null), tags);
    }

    private static ModelSpec.Balance balance(JsonNode m, String where) {
        String b = m.path("balance").asText("weighted").toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        try {
            return ModelSpec.Balance.valueOf(b);
        } catch (IllegalArgumentException e) {
            throw new CatalogException(where + ".balance: expected weighted, least-busy or lowest-latency, got '" + m.path("balance").asText() + "'");
        }
    }

    private static RateLimit rateLimit(JsonNode node, String where) {
        int rpm = node.path("rpm").asInt(0);
        int tpm = node.path("tpm").asInt(0);
        if (rpm < 0 || tpm < 0) {
            throw new CatalogException(where + ": rpm and tpm must be zero (no limit) or positive");
        }
        return new RateLimit(rpm, tpm);
    }

    private static Duration duration(JsonNode m, String field, Duration fallback, String where) {
        if (!m.has(field)) {
            return fallback;
        }
        long ms = m.get(field).asLong(-1);
        if (ms <= 0) {
            throw new CatalogException(where + "." + field + ": must be a positive number of milliseconds");
        }
        return Duration.ofMillis(ms);
    }

    private static double nonNegative(JsonNode price, String field, String where) {
        double v = price.path(field).asDouble(0);
        if (v < 0) {
            throw new CatalogException(where + ".price." + field + ": price cannot be negative (" + v + ")");
        }
        return v;
    }

    private static String required(JsonNode node, String field, String where) {
        String v = node.path(field).asText(null);
        if (v == null || v.isBlank()) {
            throw new CatalogException(where + "." + field + ": missing");
        }
        return v;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static String stripSlash(String url) {
        return url != null && url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** When the built-in simulator answers: with no provider key ({@code auto}), always, or never. */
    public enum SimulatorMode { AUTO, ON, OFF }

    /** A catalog that cannot be used, with the path of the offending entry. */
    public static final class CatalogException extends RuntimeException {
        public CatalogException(String message) {
            super(message);
        }
    }
}
