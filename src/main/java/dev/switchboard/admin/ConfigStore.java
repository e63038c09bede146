package dev.switchboard.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.GatewayError;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.CatalogHolder;
import dev.switchboard.catalog.CatalogLoader.CatalogException;
import dev.switchboard.catalog.ModelSpec;
import dev.switchboard.catalog.ProviderSpec;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalog document in the database, one row per version with who, when, why and the diff. The bundled (or
 * operator's) YAML seeds an empty database; every change is validated whole (refused with the path of the
 * mistake, nothing applied), stored as a new version and swapped in atomically. Other instances sharing the
 * database pick a new version up by polling.
 */
final class ConfigStore {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigStore.class);

    private final ProducerTemplate producer;
    private final String jdbc;
    private final CatalogHolder catalog;
    private final Function<String, Catalog> compile;
    private final String seed;
    private final UnaryOperator<Catalog> rotatedKeys;
    private final CatalogUsers users;
    private volatile int current;
    /** Told of every version stored here (other instances are told to serve it). */
    private Runnable stored = () -> { };

    /**
     * {@code rotatedKeys} puts the keys rotated through the API into a freshly compiled catalog; {@code users} refuses a
     * change that drops a model or chain still named.
     */
    ConfigStore(ProducerTemplate producer, String dataSourceName, CatalogHolder catalog, Function<String, Catalog> compile, String seed,
                UnaryOperator<Catalog> rotatedKeys, CatalogUsers users) {
        this.producer = producer;
        this.jdbc = "jdbc:" + dataSourceName;
        this.catalog = catalog;
        this.compile = compile;
        this.seed = seed;
        this.rotatedKeys = rotatedKeys;
        this.users = users;
    }

    void onStored(Runnable listener) {
        this.stored = listener;
    }

    /** Seeds an empty database with the YAML catalog, else serves the latest stored version. */
    void start() {
        if (latestVersion() == 0) {
            insert(1, seed, "seed", "from the YAML catalog at first start", "");
            current = 1;
            return;
        }
        refresh();
    }

    /** Serves a newer version committed elsewhere (another instance); returns true when one was applied. */
    synchronized boolean refresh() {
        int latest = latestVersion();
        if (latest <= current) {
            return false;
        }
        String document = document(latest);
        try {
            swapIn(compile.apply(document));
            current = latest;
            LOG.info("Catalog: version {} serving", latest);
            return true;
        } catch (CatalogException e) {
            LOG.error("Catalog version {} in the database is invalid, keeping version {}: {}", latest, current, e.getMessage());
            current = latest; // do not retry a broken version every poll
            return false;
        }
    }

    /**
     * A new version from a whole document; invalid → 400 with the path of the mistake, dropping a model or chain
     * still named → 400 naming its users ({@link CatalogUsers}), a non-admin's change of
     * the providers' keys or base URLs → 403 naming the field ({@link ProviderKeyGuard}); either way nothing applied.
     */
    synchronized ObjectNode apply(String document, AccessControl.Principal who, String comment) {
        users.requireUnused(document(latestVersion()), document);
        Catalog compiled;
        try {
            compiled = compile.apply(document);
        } catch (CatalogException e) {
            throw new GatewayError(400, "invalid_request_error", "invalid_config", null,
                    "Catalog refused, nothing applied: " + e.getMessage());
        }
        String before = document(latestVersion());
        if (!who.role().allows(AccessControl.Role.ADMIN)) {
            ProviderKeyGuard.requireAdminFor(before, document);
        }
        String author = who.name();
        int version = latestVersion() + 1;
        insert(version, document, author, comment, TextDiff.unified("catalog.yaml", before, document));
        swapIn(compiled);
        current = version;
        stored.run();
        return summary(version, author, comment);
    }

    ObjectNode rollback(int version, AccessControl.Principal who) {
        String document = document(version);
        if (document == null) {
            throw new GatewayError(404, "invalid_request_error", "version_not_found", "version", "No catalog version " + version);
        }
        return apply(document, who, "rollback to version " + version);
    }

    String export() {
        return document(latestVersion());
    }

    String diff(int version) {
        List<?> rows = producer.requestBodyAndHeader(jdbc + "?outputType=SelectList&useHeadersAsParameters=true",
                "SELECT diff FROM config_version WHERE version = :?v", "v", version, List.class);
        if (rows.isEmpty()) {
            throw new GatewayError(404, "invalid_request_error", "version_not_found", "version", "No catalog version " + version);
        }
        Object diff = Rows.value((Map<?, ?>) rows.get(0), "diff");
        return diff == null ? "" : diff.toString();
    }

    ObjectNode versions(int limit, int offset) {
        List<?> rows = producer.requestBody(jdbc + "?outputType=SelectList",
                "SELECT version, author, comment, created_at FROM config_version ORDER BY version DESC LIMIT " + limit + " OFFSET " + offset, List.class);
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("object", "list").put("limit", limit).put("offset", offset)
                .put("current", current);
        ArrayNode data = body.putArray("data");
        for (Object o : rows) {
            Map<?, ?> row = (Map<?, ?>) o;
            Object at = Rows.value(row, "created_at");
            data.addObject().put("version", ((Number) Rows.value(row, "version")).intValue()).put("author", str(Rows.value(row, "author")))
                    .put("comment", str(Rows.value(row, "comment"))).put("createdAt", at instanceof Timestamp t ? t.toInstant().toString() : str(at));
        }
        return body;
    }

    /**
     * Keeps what lives beside the document across catalog versions: keys rotated through the API (the document only
     * names environment variables) and the providers added through the API.
     */
    private void swapIn(Catalog compiled) {
        Catalog keyed = rotatedKeys.apply(compiled);
        catalog.update(old -> {
            Catalog next = keyed;
            for (ProviderSpec p : old.providers()) {
                if (next.provider(p.id()).isEmpty()) {
                    List<ModelSpec> models = old.models().stream().filter(m -> m.provider().equals(p.id())).toList();
                    next = next.withProvider(p, models);
                }
            }
            return next;
        });
    }

    private ObjectNode summary(int version, String author, String comment) {
        return JsonNodeFactory.instance.objectNode().put("version", version).put("author", author).put("comment", comment)
                .put("models", catalog.get().models().size()).put("providers", catalog.get().providers().size());
    }

    private void insert(int version, String document, String author, String comment, String diff) {
        Map<String, Object> p = new HashMap<>();
        p.put("v", version);
        p.put("doc", document);
        p.put("author", author);
        p.put("comment", comment);
        p.put("diff", diff);
        p.put("at", Timestamp.from(Instant.now()));
        producer.sendBodyAndHeaders(jdbc + "?useHeadersAsParameters=true",
                "INSERT INTO config_version (version, document, author, comment, diff, created_at) VALUES (:?v, :?doc, :?author, :?comment, :?diff, :?at)", p);
    }

    private int latestVersion() {
        List<?> rows = producer.requestBody(jdbc + "?outputType=SelectList", "SELECT MAX(version) AS v FROM config_version", List.class);
        Object v = rows.isEmpty() ? null : Rows.value((Map<?, ?>) rows.get(0), "v");
        return v == null ? 0 : ((Number) v).intValue();
    }

    private String document(int version) {
        List<?> rows = producer.requestBodyAndHeader(jdbc + "?outputType=SelectList&useHeadersAsParameters=true",
                "SELECT document FROM config_version WHERE version = :?v", "v", version, List.class);
        return rows.isEmpty() ? null : str(Rows.value((Map<?, ?>) rows.get(0), "document"));
    }

    private static String str(Object v) {
        return v == null ? null : v.toString();
    }
}
