package dev.switchboard.settings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.Settings;
import dev.switchboard.api.GatewayError;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The global settings an admin may change at runtime: anonymous access, budget alert thresholds and the two
 * retention periods. The environment variable (or the built-in default) serves until a value is stored in the
 * table {@code global_setting}; removing the row serves the environment's again. Readers on the request path see
 * a volatile snapshot, so a change applies to the next request without a restart.
 */
public final class GlobalSettings {
    private static final Logger LOG = LoggerFactory.getLogger(GlobalSettings.class);
    public static final int MIN_RETENTION_DAYS = 1;
    /** Ten years. */
    public static final int MAX_RETENTION_DAYS = 3650;
    public static final int MAX_ALERT_PERCENTS = 10;

    /** One setting: its name in the API, its environment variable, and whether only an admin may change it. */
    public enum Key {
        /** Who may call without an agent key: a security setting. */
        ALLOW_ANONYMOUS("allowAnonymous", "SWITCHBOARD_ALLOW_ANONYMOUS", true),
        /** When a budget alert fires: part of the budgets editors already manage. */
        BUDGET_ALERTS("budgetAlertPercents", "SWITCHBOARD_BUDGET_ALERTS", false),
        /** How long usage rows are kept: a shorter period deletes history, so an admin's. */
        RETENTION_DAYS("retentionDays", "SWITCHBOARD_RETENTION_DAYS", true),
        RESPONSES_RETENTION_DAYS("responsesRetentionDays", "SWITCHBOARD_RESPONSES_RETENTION_DAYS", true);

        private final String param;
        private final String env;
        private final boolean adminOnly;

        Key(String param, String env, boolean adminOnly) {
            this.param = param;
            this.env = env;
            this.adminOnly = adminOnly;
        }

        public String param() {
            return param;
        }

        public String env() {
            return env;
        }

        public boolean adminOnly() {
            return adminOnly;
        }

        public static Key of(String param) {
            for (Key k : values()) {
                if (k.param.equals(param)) {
                    return k;
                }
            }
            throw GatewayError.badRequest(param, "unknown setting '" + param + "'; settings: allowAnonymous, budgetAlertPercents, "
                    + "retentionDays, responsesRetentionDays");
        }
    }

    private final DataSource db;
    private final Map<String, String> env;
    private final Map<Key, Object> defaults = new EnumMap<>(Key.class);
    /** The stored values (parsed), replaced whole on each load. */
    private volatile Map<Key, Object> stored = Map.of();

    public GlobalSettings(DataSource db, Settings settings) {
        this.db = db;
        this.env = settings.env();
        defaults.put(Key.BUDGET_ALERTS, settings.budgetAlertPercents());
        defaults.put(Key.RETENTION_DAYS, atLeastOneDay(Key.RETENTION_DAYS, settings.retentionDays()));
        defaults.put(Key.RESPONSES_RETENTION_DAYS, atLeastOneDay(Key.RESPONSES_RETENTION_DAYS, settings.responsesRetentionDays()));
        if (settings.allowAnonymous() != null) {
            defaults.put(Key.ALLOW_ANONYMOUS, settings.allowAnonymous());
        }
    }

    private static int atLeastOneDay(Key key, int days) {
        if (days < MIN_RETENTION_DAYS) {
            throw new IllegalArgumentException(key.env + " must be at least " + MIN_RETENTION_DAYS + ", got " + days);
        }
        return days;
    }

    /** Whether callers without a key are served; null leaves it to the keys in force (see AnonymousAccess). */
    public Boolean allowAnonymous() {
        return (Boolean) value(Key.ALLOW_ANONYMOUS);
    }

    /** Where {@link #allowAnonymous()} comes from, in words for /health's reason. */
    public String allowAnonymousOrigin() {
        return stored.containsKey(Key.ALLOW_ANONYMOUS) ? "the global setting allowAnonymous" : Key.ALLOW_ANONYMOUS.env;
    }

    @SuppressWarnings("unchecked")
    public List<Integer> budgetAlertPercents() {
        return (List<Integer>) value(Key.BUDGET_ALERTS);
    }

    public int retentionDays() {
        return (Integer) value(Key.RETENTION_DAYS);
    }

    public int responsesRetentionDays() {
        return (Integer) value(Key.RESPONSES_RETENTION_DAYS);
    }

    private Object value(Key key) {
        Map<Key, Object> now = stored;
        return now.containsKey(key) ? now.get(key) : defaults.get(key);
    }

    /** Reads the stored values (at start, and when another instance changed them). */
    public synchronized void load() {
        Map<Key, Object> read = new EnumMap<>(Key.class);
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT name, setting_value FROM global_setting");
             ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                try {
                    Key key = Key.of(rs.getString(1));
                    read.put(key, parse(key, rs.getString(2)));
                } catch (GatewayError e) {
                    LOG.warn("Global setting {} ignored: {}", rs.getString(1), e.getMessage());
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the database could not read the global settings: " + e.getMessage(), e);
        }
        if (!read.equals(stored)) {
            LOG.info("Global settings stored: {}", read.isEmpty() ? "none (environment values serve)" : read);
        }
        stored = Map.copyOf(read);
    }

    /** Each setting with its value in force, where it comes from (database, environment, default) and who may change it. */
    public ObjectNode view() {
        ObjectNode all = JsonNodeFactory.instance.objectNode();
        ObjectNode data = all.putObject("settings");
        Map<Key, Object> now = stored;
        for (Key key : Key.values()) {
            ObjectNode one = data.putObject(key.param);
            one.set("value", json(value(key)));
            String envText = env.get(key.env);
            one.put("source", now.containsKey(key) ? "database" : envText != null && !envText.isBlank() ? "environment" : "default");
            one.put("env", key.env);
            one.set("envValue", json(defaults.get(key)));
            one.put("role", key.adminOnly ? "admin" : "editor");
        }
        return all;
    }

    /**
     * Validates every field of {@code body} (a setting's name → its new value, or null to serve the environment's
     * again), then stores them in one transaction; answers what changed, for the audit. {@code admin}: whether the
     * caller may change admin-only settings (403 naming the first it may not).
     */
    public synchronized String update(JsonNode body, String actor, boolean admin) {
        if (body == null || !body.isObject() || body.isEmpty()) {
            throw GatewayError.badRequest(null, "the body is a JSON object of settings to change, e.g. {\"retentionDays\": 90}; "
                    + "null serves the environment's value again");
        }
        Map<Key, String> changes = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            Key key = Key.of(field.getKey());
            if (key.adminOnly && !admin) {
                throw new GatewayError(403, "permission_error", "forbidden", key.param, key.param + " is changed by an admin only");
            }
            JsonNode v = field.getValue();
            changes.put(key, v.isNull() ? null : text(parse(key, v)));
        }
        write(changes, actor);
        load();
        List<String> said = new ArrayList<>();
        changes.forEach((k, v) -> said.add(k.param + " = " + (v == null ? "(environment)" : v)));
        return String.join(", ", said);
    }

    private void write(Map<Key, String> changes, String actor) {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM global_setting WHERE name = ?");
                 PreparedStatement insert = c.prepareStatement(
                         "INSERT INTO global_setting (name, setting_value, updated_at, updated_by) VALUES (?, ?, ?, ?)")) {
                // Delete then insert: portable where an upsert is not (MERGE on HSQLDB, ON CONFLICT on PostgreSQL).
                for (Map.Entry<Key, String> change : changes.entrySet()) {
                    delete.setString(1, change.getKey().param);
                    delete.executeUpdate();
                    if (change.getValue() != null) {
                        insert.setString(1, change.getKey().param);
                        insert.setString(2, change.getValue());
                        insert.setTimestamp(3, Timestamp.from(Instant.now()));
                        insert.setString(4, actor.length() <= 256 ? actor : actor.substring(0, 256));
                        insert.executeUpdate();
                    }
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the database could not store the global settings: " + e.getMessage(), e);
        }
    }

    /** A stored or sent value, checked: the same rules for both, so a row written by hand cannot serve nonsense. */
    private static Object parse(Key key, Object raw) {
        return switch (key) {
            case ALLOW_ANONYMOUS -> bool(key, raw);
            case BUDGET_ALERTS -> percents(key, raw);
            case RETENTION_DAYS, RESPONSES_RETENTION_DAYS -> days(key, raw);
        };
    }

    private static Boolean bool(Key key, Object raw) {
        if (raw instanceof JsonNode n) {
            if (n.isBoolean()) {
                return n.booleanValue();
            }
        } else if (raw.equals("true") || raw.equals("false")) {
            return Boolean.valueOf((String) raw);
        }
        throw GatewayError.badRequest(key.param, key.param + " is true or false");
    }

    private static Integer days(Key key, Object raw) {
        String why = key.param + " is a whole number of days from " + MIN_RETENTION_DAYS + " to " + MAX_RETENTION_DAYS;
        int days;
        if (raw instanceof JsonNode n) {
            if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                throw GatewayError.badRequest(key.param, why);
            }
            days = n.intValue();
        } else {
            try {
                days = Integer.parseInt(String.valueOf(raw));
            } catch (NumberFormatException e) {
                throw GatewayError.badRequest(key.param, why);
            }
        }
        if (days < MIN_RETENTION_DAYS || days > MAX_RETENTION_DAYS) {
            throw GatewayError.badRequest(key.param, why);
        }
        return days;
    }

    /** Percents from 1 to 100, ascending, distinct, at most {@link #MAX_ALERT_PERCENTS}; a JSON array or "50,80,100". */
    private static List<Integer> percents(Key key, Object raw) {
        String why = key.param + " is an ascending list of distinct whole percents from 1 to 100, at most " + MAX_ALERT_PERCENTS
                + ", e.g. [50, 80, 100]";
        List<Integer> list = new ArrayList<>();
        if (raw instanceof JsonNode n) {
            if (!n.isArray() || n.size() > MAX_ALERT_PERCENTS) {
                throw GatewayError.badRequest(key.param, why);
            }
            for (JsonNode p : n) {
                if (!p.isIntegralNumber() || !p.canConvertToInt()) {
                    throw GatewayError.badRequest(key.param, why);
                }
                list.add(p.intValue());
            }
        } else {
            try {
                for (String p : String.valueOf(raw).split(",", MAX_ALERT_PERCENTS + 1)) {
                    list.add(Integer.parseInt(p.trim()));
                }
            } catch (NumberFormatException e) {
                throw GatewayError.badRequest(key.param, why);
            }
        }
        if (list.isEmpty() || list.size() > MAX_ALERT_PERCENTS) {
            throw GatewayError.badRequest(key.param, why);
        }
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) < 1 || list.get(i) > 100 || i > 0 && list.get(i) <= list.get(i - 1)) {
                throw GatewayError.badRequest(key.param, why);
            }
        }
        return List.copyOf(list);
    }

    private static String text(Object value) {
        return value instanceof List<?> list ? String.join(",", list.stream().map(String::valueOf).toList()) : String.valueOf(value);
    }

    private static JsonNode json(Object value) {
        if (value == null) {
            return JsonNodeFactory.instance.nullNode();
        }
        if (value instanceof List<?> list) {
            var array = JsonNodeFactory.instance.arrayNode();
            list.forEach(p -> array.add((Integer) p));
            return array;
        }
        return value instanceof Boolean b ? JsonNodeFactory.instance.booleanNode(b) : JsonNodeFactory.instance.numberNode((Integer) value);
    }
}
