package dev.switchboard.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.GatewayError;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.CatalogHolder;
import dev.switchboard.catalog.CatalogLoader;
import dev.switchboard.catalog.ModelSpec;
import dev.switchboard.catalog.Price;
import dev.switchboard.catalog.ProviderSpec;
import dev.switchboard.catalog.Secret;
import dev.switchboard.catalog.SecretBox;
import dev.switchboard.providers.Adapters;
import dev.switchboard.providers.ProviderAdapter;
import dev.switchboard.providers.ProviderAdapter.Credentials;
import dev.switchboard.providers.UpstreamRequest;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The add-provider workflow: check the credentials with the provider's cheap models call, discover its
 * models, and only then add the provider and its models to the catalog. A refused key adds nothing.
 */
final class ProviderRegistrar {
    private static final Logger LOG = LoggerFactory.getLogger(ProviderRegistrar.class);
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    /** What an operator may set on a discovered model when adding its provider. */
    private static final List<String> MODEL_SETTINGS = List.of("contextWindow", "price", "defaults", "capabilities");
    /** Discovered models carry no published window; a conservative one until an operator sets the real one. */
    static final int DISCOVERED_CONTEXT_WINDOW = 8192;
    private static final String CHECK_ENDPOINT =
            "http://provider-check?throwExceptionOnFailure=false&connectTimeout=5000&responseTimeout=15000&soTimeout=15000";

    private final CatalogHolder catalog;
    private final Adapters adapters;
    private final ProducerTemplate producer;
    private final SecretBox box;
    private final String jdbc;
    private final Set<String> unsealFailures = java.util.concurrent.ConcurrentHashMap.newKeySet();

    ProviderRegistrar(CatalogHolder catalog, Adapters adapters, ProducerTemplate producer, SecretBox box, String dataSourceName) {
        this.catalog = catalog;
        this.adapters = adapters;
        this.producer = producer;
        this.box = box;
        this.jdbc = "jdbc:" + dataSourceName;
    }

    /**
     * A new key for a provider. The new key is checked first with the provider's models call; until it passes,
     * the old key keeps serving, and a refused key changes nothing.
     */
    ObjectNode rotateKey(String id, JsonNode body) {
        ProviderSpec current = catalog.get().provider(id).filter(p -> !p.id().equals(ProviderSpec.SIMULATOR))
                .orElseThrow(() -> new GatewayError(404, "invalid_request_error", "provider_not_found", "id", "No provider '" + id + "'"));
        Secret key = Secret.of(text(body, "apiKey", null));
        if (key == null) {
            throw GatewayError.badRequest("apiKey", "'apiKey' is required: the new key");
        }
        check(id, current.type(), current.baseUrl(), key, adapters.forType(current.type()));
        java.util.Map<String, Object> p = new java.util.HashMap<>();
        p.put("id", id);
        p.put("key", box.seal(key, id));
        p.put("at", java.sql.Timestamp.from(java.time.Instant.now()));
        // With refresh: a refresh that read the keys before this write cannot put the old key back after it.
        synchronized (this) {
            producer.sendBodyAndHeaders(jdbc + "?useHeadersAsParameters=true",
                    "MERGE INTO provider_key USING (VALUES (CAST(:?id AS VARCHAR(64)))) AS src(id) ON provider_key.id = src.id "
                            + "WHEN MATCHED THEN UPDATE SET sealed_key = :?key, rotated_at = :?at "
                            + "WHEN NOT MATCHED THEN INSERT (id, sealed_key, rotated_at) VALUES (:?id, :?key, :?at)", p);
            catalog.update(c -> c.withProviderKey(id, key));
        }
        LOG.info("Provider {}: key rotated to {} after a successful check", id, key.masked());
        return JsonNodeFactory.instance.objectNode().put("id", id).put("key", key.masked()).put("enabled", true);
    }

    /** Puts the providers added in earlier runs back into the catalog, keys unsealed in memory only. */
    void restore() {
        restoreAdded();
        rotatedKeys().forEach((id, key) -> {
            catalog.update(c -> c.provider(id).isPresent() ? c.withProviderKey(id, key) : c);
            LOG.info("Provider {}: rotated key {} restored", id, key.masked());
        });
    }

    /**
     * The catalog with every key rotated through the API in place of the one its document names (the environment's):
     * a rotated key outlives catalog writes, rollbacks and versions picked up from another instance.
     */
    Catalog withRotatedKeys(Catalog compiled) {
        Catalog keyed = compiled;
        for (java.util.Map.Entry<String, Secret> rotated : rotatedKeys().entrySet()) {
            if (keyed.provider(rotated.getKey()).isPresent()) {
                keyed = keyed.withProviderKey(rotated.getKey(), rotated.getValue());
            }
        }
        return keyed;
    }

    /** Serves the keys rotated on another instance sharing the database; polled like catalog versions. */
    void refreshRotatedKeys() {
        rotatedKeys().forEach((id, key) -> {
            boolean stale = catalog.get().provider(id).map(p -> p.apiKey() == null || !p.apiKey().reveal().equals(key.reveal())).orElse(false);
            if (stale) {
                catalog.update(c -> c.provider(id).isPresent() ? c.withProviderKey(id, key) : c);
                LOG.info("Provider {}: key {} rotated elsewhere now serving", id, key.masked());
            }
        });
    }

    /** The rotated keys in the database, unsealed; one that cannot be unsealed is logged and left out. */
    private java.util.Map<String, Secret> rotatedKeys() {
        java.util.Map<String, Secret> keys = new java.util.LinkedHashMap<>();
        for (Object o : producer.requestBody(jdbc + "?outputType=SelectList", "SELECT * FROM provider_key ORDER BY id", List.class)) {
            java.util.Map<?, ?> row = (java.util.Map<?, ?>) o;
            String id = String.valueOf(Rows.value(row, "id"));
            try {
                keys.put(id, box.unseal(String.valueOf(Rows.value(row, "sealed_key")), id));
            } catch (RuntimeException e) {
                if (unsealFailures.add(id)) { // polled every second: said once, not every poll
                    LOG.error("Provider {}: rotated key could not be unsealed (another master key?): {}", id, e.getMessage());
                }
            }
        }
        return keys;
    }

    /** The providers added through the API, for the catalog export: keys masked, never in clear. */
    String exportSection() {
        StringBuilder yaml = new StringBuilder();
        for (Object o : producer.requestBody(jdbc + "?outputType=SelectList", "SELECT id, type, base_url, sealed_key FROM added_provider ORDER BY id", List.class)) {
            java.util.Map<?, ?> row = (java.util.Map<?, ?>) o;
            String id = String.valueOf(Rows.value(row, "id"));
            Object sealed = Rows.value(row, "sealed_key");
            String masked;
            try {
                masked = sealed == null ? null : box.unseal(sealed.toString(), id).masked();
            } catch (RuntimeException e) {
                masked = "(cannot be unsealed)";
            }
            yaml.append("  - {id: ").append(id).append(", type: ").append(Rows.value(row, "type")).append(", baseUrl: \"")
                    .append(Rows.value(row, "base_url")).append("\", key: \"").append(masked).append("\"}\n");
        }
        return yaml.length() == 0 ? "" : "\n# Providers added through the management API; their keys stay sealed in the database and are\n"
                + "# shown masked here (an import ignores this section: add them again with POST /admin/api/providers).\n"
                + "apiProviders:\n" + yaml;
    }

    /** Serves the providers added, and the keys rotated, on another instance sharing the database. */
    synchronized void refresh() {
        restoreAdded();
        refreshRotatedKeys();
    }

    private void restoreAdded() {
        List<?> rows = producer.requestBody(jdbc + "?outputType=SelectList", "SELECT * FROM added_provider ORDER BY created_at", List.class);
        for (Object o : rows) {
            java.util.Map<?, ?> row = (java.util.Map<?, ?>) o;
            String id = String.valueOf(Rows.value(row, "id"));
            if (catalog.get().provider(id).isPresent()) {
                continue; // served already
            }
            try {
                Object sealed = Rows.value(row, "sealed_key");
                Secret key = sealed == null ? null : box.unseal(sealed.toString(), id);
                ProviderSpec provider = new ProviderSpec(id, String.valueOf(Rows.value(row, "type")), String.valueOf(Rows.value(row, "base_url")), key, true, null);
                List<ModelSpec> models = new ArrayList<>();
                JsonNode list = dev.switchboard.providers.Json.parseOrNull(text(Rows.value(row, "models")).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                if (list != null) {
                    list.forEach(m -> models.add(discovered(m.path("id").asText(), id, m.path("upstreamId").asText(), m.path("settings"))));
                }
                catalog.update(c -> c.provider(id).isPresent() ? c : c.withProvider(provider, models));
                LOG.info("Provider {} restored ({} at {}, key {}): {} model(s)", id, provider.type(), provider.baseUrl(),
                        key == null ? "none" : key.masked(), models.size());
            } catch (RuntimeException e) {
                LOG.error("Provider {} added earlier could not be restored: {}", id, e.getMessage());
            }
        }
    }

    private void persist(ProviderSpec provider, List<ModelSpec> models, JsonNode settings) {
        com.fasterxml.jackson.databind.node.ArrayNode list = JsonNodeFactory.instance.arrayNode();
        models.forEach(m -> {
            ObjectNode item = list.addObject().put("id", m.id()).put("upstreamId", m.upstreamId());
            if (settings.path(m.upstreamId()).isObject()) {
                item.set("settings", settings.get(m.upstreamId()));
            }
        });
        java.util.Map<String, Object> p = new java.util.HashMap<>();
        p.put("id", provider.id());
        p.put("type", provider.type());
        p.put("url", provider.baseUrl());
        p.put("key", provider.apiKey() == null ? null : box.seal(provider.apiKey(), provider.id()));
        p.put("models", list.toString());
        p.put("at", java.sql.Timestamp.from(java.time.Instant.now()));
        producer.sendBodyAndHeaders(jdbc + "?useHeadersAsParameters=true",
                "INSERT INTO added_provider (id, type, base_url, sealed_key, models, created_at) VALUES (:?id, :?type, :?url, :?key, :?models, :?at)", p);
    }

    /** A discovered model with the settings the operator gave it (checked as a catalog entry), else the defaults below. */
    private static ModelSpec discovered(String modelId, String provider, String upstreamId, JsonNode settings) {
        if (settings != null && settings.isObject()) {
            try {
                return CatalogLoader.addedModel(modelId, provider, upstreamId, (ObjectNode) settings, "models." + upstreamId);
            } catch (CatalogLoader.CatalogException e) {
                throw GatewayError.badRequest("models." + upstreamId, e.getMessage());
            }
        }
        return new ModelSpec(modelId, provider, upstreamId, DISCOVERED_CONTEXT_WINDOW, Price.FREE,
                guessCapabilities(upstreamId), JsonNodeFactory.instance.objectNode(), List.of(),
                ModelSpec.DEFAULT_CONNECT_TIMEOUT, ModelSpec.DEFAULT_FIRST_BYTE_TIMEOUT, dev.switchboard.catalog.RateLimit.NONE);
    }

    private static String text(Object v) {
        return v == null ? "[]" : v.toString();
    }

    /** A provider asked for, its fields checked; nothing called yet. */
    private record Candidate(String id, String type, String baseUrl, Secret key) {
    }

    /**
     * The first step of adding a provider: the key checked and the models discovered, nothing added. The operator
     * then sets the models' defaults and prices and {@link #register}s with them.
     */
    ObjectNode discover(JsonNode body) {
        Candidate c = candidate(body);
        List<String> discovered = check(c.id(), c.type(), c.baseUrl(), c.key(), adapters.forType(c.type()));
        ObjectNode answer = describe(c);
        com.fasterxml.jackson.databind.node.ArrayNode models = answer.putArray("models");
        for (String upstreamId : discovered) {
            models.addObject().put("id", modelId(c.id(), upstreamId)).put("upstreamId", upstreamId)
                    .put("contextWindow", DISCOVERED_CONTEXT_WINDOW);
        }
        return answer.put("dryRun", true);
    }

    ObjectNode register(JsonNode body) {
        Candidate c = candidate(body);
        String id = c.id();
        String type = c.type();
        String baseUrl = c.baseUrl();
        Secret key = c.key();
        JsonNode settings = body.path("models");
        if (!settings.isMissingNode() && !settings.isObject()) {
            throw GatewayError.badRequest("models", "'models' maps a discovered model's upstream id to its settings: "
                    + "{\"<upstreamId>\": {\"contextWindow\", \"price\": {\"input\", \"output\"}, \"defaults\", \"capabilities\"}}");
        }
        ProviderAdapter adapter = adapters.forType(type);
        List<String> discovered = check(id, type, baseUrl, key, adapter);
        for (java.util.Iterator<String> names = settings.fieldNames(); names.hasNext(); ) {
            String upstreamId = names.next();
            if (!discovered.contains(upstreamId)) {
                throw GatewayError.badRequest("models." + upstreamId, "'" + upstreamId + "' is not among the models the provider listed: " + discovered);
            }
            for (java.util.Iterator<String> fields = settings.get(upstreamId).fieldNames(); fields.hasNext(); ) {
                String field = fields.next();
                if (!MODEL_SETTINGS.contains(field)) {
                    throw GatewayError.badRequest("models." + upstreamId + "." + field, "A discovered model takes " + MODEL_SETTINGS + ", not '" + field + "'");
                }
            }
        }
        ProviderSpec provider = new ProviderSpec(id, type, baseUrl, key, true, null);
        List<ModelSpec> models = new ArrayList<>();
        for (String upstreamId : discovered) {
            models.add(discovered(modelId(id, upstreamId), id, upstreamId, settings.get(upstreamId)));
        }
        persist(provider, models, settings);
        catalog.update(cat -> cat.withProvider(provider, models));
        LOG.info("Provider {} added ({} at {}, key {}): {} model(s) discovered", id, type, baseUrl,
                key == null ? "none" : key.masked(), models.size());
        ObjectNode answer = describe(c);
        com.fasterxml.jackson.databind.node.ArrayNode list = answer.putArray("models");
        models.forEach(m -> list.addObject().put("id", m.id()).put("upstreamId", m.upstreamId()).put("contextWindow", m.contextWindow())
                .put("inputPrice", m.price().input()).put("outputPrice", m.price().output()));
        return answer;
    }

    /** The provider types a provider can be added with (those this build has a wire format for), sorted. */
    List<String> types() {
        return adapters.types().stream().sorted().toList();
    }

    /** A discovered model keeps its upstream id unless the catalog has a model of that id already. */
    private String modelId(String provider, String upstreamId) {
        return catalog.get().model(upstreamId).isPresent() ? provider + "/" + upstreamId : upstreamId;
    }

    private static ObjectNode describe(Candidate c) {
        return JsonNodeFactory.instance.objectNode().put("id", c.id()).put("type", c.type()).put("baseUrl", c.baseUrl()).put("enabled", true)
                .put("key", c.key() == null ? null : c.key().masked());
    }

    private Candidate candidate(JsonNode body) {
        String id = text(body, "id", text(body, "name", null));
        String type = text(body, "type", null);
        String baseUrl = text(body, "baseUrl", null);
        Secret key = Secret.of(text(body, "apiKey", null));
        if (id == null || !ID.matcher(id).matches()) {
            throw GatewayError.badRequest("id", "'id' (or 'name') is required: lower-case letters, digits, '-' or '_', e.g. \"openai-eu\"");
        }
        if (type == null || !adapters.types().contains(type)) {
            throw GatewayError.badRequest("type", "'type' must be one of " + adapters.types().stream().sorted().toList() + ", got " + type);
        }
        if (baseUrl == null || !validUrl(baseUrl)) {
            throw GatewayError.badRequest("baseUrl", "'baseUrl' must be an http(s) URL, e.g. \"https://api.openai.com/v1\"");
        }
        baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        if (catalog.get().provider(id).isPresent()) {
            throw new GatewayError(409, "invalid_request_error", "provider_exists", "id", "Provider '" + id + "' already exists");
        }
        return new Candidate(id, type, baseUrl, key);
    }

    /** Calls the provider's models listing with the key; refuses with the provider's own failure class. */
    private List<String> check(String id, String type, String baseUrl, Secret key, ProviderAdapter adapter) {
        UpstreamRequest request = adapter.toModelsRequest(new Credentials(baseUrl, key == null ? null : key.reveal()));
        Exchange result = producer.send(CHECK_ENDPOINT, ex -> {
            request.headers().forEach(ex.getMessage()::setHeader);
            ex.getMessage().setHeader(Exchange.HTTP_METHOD, request.method());
            ex.getMessage().setHeader(Exchange.HTTP_URI, request.url());
            ex.getMessage().setBody(request.body().length == 0 ? null : request.body());
        });
        String where = "Provider '" + id + "' (" + type + " at " + baseUrl + ")";
        if (result.getException() != null) {
            throw new GatewayError(400, "invalid_request_error", "provider_unreachable", "baseUrl",
                    where + " could not be reached: " + result.getException().getClass().getSimpleName()
                            + "; check baseUrl and that the server is up. Nothing was added.");
        }
        int status = result.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        byte[] bytes = result.getMessage().getBody(byte[].class);
        if (status < 200 || status >= 300) {
            ProviderFailure failure = adapter.classify(status, name -> result.getMessage().getHeader(name, String.class),
                    bytes == null ? new byte[0] : bytes);
            if (failure.failureClass() == FailureClass.NOT_FOUND) {
                // The key was accepted but the provider lists no models (Perplexity has no listing endpoint).
                LOG.info("{} accepted the key but offers no model listing; add its models to the catalog by hand", where);
                return List.of();
            }
            throw new GatewayError(400, "invalid_request_error", "provider_check_failed", "apiKey",
                    where + " refused the check (HTTP " + status + ", " + failure.failureClass().label() + "): "
                            + failure.getMessage() + ". Nothing was added.");
        }
        try {
            return adapter.fromModelsResponse(bytes == null ? new byte[0] : bytes);
        } catch (ProviderFailure e) {
            throw new GatewayError(400, "invalid_request_error", "provider_check_failed", "baseUrl",
                    where + " answered the check with something that is not a model list: " + e.getMessage() + ". Nothing was added.");
        }
    }

    private static Set<String> guessCapabilities(String modelId) {
        String id = modelId.toLowerCase(java.util.Locale.ROOT);
        return id.contains("embed") ? Set.of("embeddings") : Set.of("chat");
    }

    private static boolean validUrl(String url) {
        try {
            URI uri = URI.create(url);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String text(JsonNode body, String field, String fallback) {
        JsonNode v = body.get(field);
        return v != null && v.isTextual() && !v.asText().isBlank() ? v.asText().trim() : fallback;
    }
}
