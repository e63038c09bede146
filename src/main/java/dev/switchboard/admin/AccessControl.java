package dev.switchboard.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.GatewayError;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer tokens for the management API, each with a role. Only SHA-256 hashes are stored; a token is shown
 * once, when it is made. The first admin token comes from {@code SWITCHBOARD_ADMIN_TOKEN} or is created on the
 * first start and printed once in the log.
 */
final class AccessControl {
    private static final Logger LOG = LoggerFactory.getLogger(AccessControl.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The principal of SWITCHBOARD_ADMIN_TOKEN, which lives in the environment, not the database. */
    static final String ENV_ADMIN = "env-admin";
    /** The admin_token.name column's size. */
    private static final int MAX_NAME_CHARS = 128;
    /** A token's last use is kept to the minute. */
    private static final java.time.Duration LAST_USED_RESOLUTION = java.time.Duration.ofMinutes(1);

    /** What a role may do; each includes the ones below it. */
    enum Role {
        /** Read everything that is not a secret. */
        VIEWER,
        /** Also change the catalog, chains, rules and agents. */
        EDITOR,
        /** Also providers' keys, tokens and everything else. */
        ADMIN;

        boolean allows(Role needed) {
            return ordinal() >= needed.ordinal();
        }
    }

    record Principal(String name, Role role) {
    }

    private final ProducerTemplate producer;
    private final String jdbc;
    private final String envTokenHash;

    AccessControl(ProducerTemplate producer, String dataSourceName, String envAdminToken) {
        this.producer = producer;
        this.jdbc = "jdbc:" + dataSourceName;
        this.envTokenHash = envAdminToken == null || envAdminToken.isBlank() ? null : hash(envAdminToken.trim());
    }

    /** With no admin token anywhere, makes one and prints it once: the operator's way in. */
    void bootstrap() {
        if (envTokenHash != null) {
            LOG.info("Management API: admin token from SWITCHBOARD_ADMIN_TOKEN");
            return;
        }
        List<?> admins = producer.requestBody(jdbc + "?outputType=SelectList",
                "SELECT token_hash FROM admin_token WHERE role = 'ADMIN' AND revoked = FALSE", List.class);
        if (!admins.isEmpty()) {
            return;
        }
        String token = create("first-admin", Role.ADMIN);
        LOG.warn("Management API: created the first admin token; it is shown this once, keep it:\n\n    {}\n\n"
                + "    use it as 'Authorization: Bearer <token>' on :8081/admin/api (or set SWITCHBOARD_ADMIN_TOKEN)\n", token);
    }

    /** A new token; only its hash is kept. */
    String create(String name, Role role) {
        if (name.length() > MAX_NAME_CHARS) {
            throw GatewayError.badRequest("name", "'name' is at most " + MAX_NAME_CHARS + " characters");
        }
        if (name.equals(ENV_ADMIN)) {
            throw GatewayError.badRequest("name", "'" + ENV_ADMIN + "' names SWITCHBOARD_ADMIN_TOKEN; pick another name");
        }
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        String token = "sb-" + role.name().toLowerCase(java.util.Locale.ROOT) + "-" + HexFormat.of().formatHex(bytes);
        Map<String, Object> p = new HashMap<>();
        p.put("hash", hash(token));
        p.put("name", name);
        p.put("role", role.name());
        p.put("at", Timestamp.from(Instant.now()));
        producer.sendBodyAndHeaders(jdbc + "?useHeadersAsParameters=true",
                "INSERT INTO admin_token (token_hash, name, role, created_at) VALUES (:?hash, :?name, :?role, :?at)", p);
        return token;
    }

    Optional<Principal> authenticate(String bearer) {
        if (bearer == null || bearer.isBlank()) {
            return Optional.empty();
        }
        String h = hash(bearer.trim());
        if (envTokenHash != null && MessageDigest.isEqual(h.getBytes(StandardCharsets.UTF_8), envTokenHash.getBytes(StandardCharsets.UTF_8))) {
            return Optional.of(new Principal(ENV_ADMIN, Role.ADMIN));
        }
        List<?> rows = producer.requestBodyAndHeader(jdbc + "?outputType=SelectList&useHeadersAsParameters=true",
                "SELECT name, role, last_used_at FROM admin_token WHERE token_hash = :?hash AND revoked = FALSE", "hash", h, List.class);
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Map<?, ?> row = (Map<?, ?>) rows.get(0);
        touch(h, Rows.value(row, "last_used_at"));
        return Optional.of(new Principal(String.valueOf(Rows.value(row, "name")), Role.valueOf(String.valueOf(Rows.value(row, "role")))));
    }

    /** Notes when a token was last used, at most once per {@link #LAST_USED_RESOLUTION}: one write per minute, not per call. */
    private void touch(String tokenHash, Object lastUsed) {
        Instant now = Instant.now();
        if (lastUsed instanceof Timestamp t && t.toInstant().plus(LAST_USED_RESOLUTION).isAfter(now)) {
            return;
        }
        producer.sendBodyAndHeaders(jdbc + "?useHeadersAsParameters=true", "UPDATE admin_token SET last_used_at = :?at WHERE token_hash = :?hash",
                Map.of("at", Timestamp.from(now), "hash", tokenHash));
    }

    /** Every token, newest first: name, role, dates and whether it is revoked; never the token or its hash. */
    ObjectNode list() {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("object", "list");
        ArrayNode data = body.putArray("data");
        if (envTokenHash != null) {
            data.addObject().put("name", ENV_ADMIN).put("role", "admin").put("source", "environment")
                    .putNull("createdAt").putNull("lastUsedAt").put("revoked", false);
        }
        for (Object o : producer.requestBody(jdbc + "?outputType=SelectList",
                "SELECT name, role, created_at, last_used_at, revoked FROM admin_token ORDER BY created_at DESC", List.class)) {
            Map<?, ?> row = (Map<?, ?>) o;
            data.addObject().put("name", Rows.text(row, "name")).put("role", Rows.text(row, "role").toLowerCase(java.util.Locale.ROOT))
                    .put("source", "database").put("createdAt", instant(Rows.value(row, "created_at")))
                    .put("lastUsedAt", instant(Rows.value(row, "last_used_at"))).put("revoked", Boolean.TRUE.equals(Rows.value(row, "revoked")));
        }
        return body;
    }

    /**
     * Revokes every live token of that name (names need not be unique): refused from their next call on. The environment's token is configuration
     * (change SWITCHBOARD_ADMIN_TOKEN and restart); the last admin token is kept so the API cannot lock its admins out.
     */
    synchronized ObjectNode revoke(String name) {
        if (name.equals(ENV_ADMIN) && envTokenHash != null) {
            throw new GatewayError(409, "invalid_request_error", "token_from_environment", "name",
                    "'" + ENV_ADMIN + "' is SWITCHBOARD_ADMIN_TOKEN: change or unset it and restart to retire it");
        }
        List<?> rows = active(name);
        if (rows.isEmpty()) {
            throw new GatewayError(404, "invalid_request_error", "token_not_found", "name", "No live token named '" + name + "'");
        }
        boolean admin = rows.stream().anyMatch(r -> Role.ADMIN.name().equals(Rows.text((Map<?, ?>) r, "role")));
        if (admin && envTokenHash == null && activeAdmins() <= rows.size()) {
            throw new GatewayError(409, "invalid_request_error", "last_admin_token", "name",
                    "'" + name + "' is the last admin token; make another admin token first (or set SWITCHBOARD_ADMIN_TOKEN)");
        }
        producer.sendBodyAndHeader(jdbc + "?useHeadersAsParameters=true",
                "UPDATE admin_token SET revoked = TRUE WHERE name = :?name AND revoked = FALSE", "name", name);
        LOG.info("Management API: token '{}' revoked", name);
        return JsonNodeFactory.instance.objectNode().put("name", name).put("revoked", true);
    }

    private List<?> active(String name) {
        return producer.requestBodyAndHeader(jdbc + "?outputType=SelectList&useHeadersAsParameters=true",
                "SELECT role FROM admin_token WHERE name = :?name AND revoked = FALSE", "name", name, List.class);
    }

    private int activeAdmins() {
        return producer.requestBody(jdbc + "?outputType=SelectList",
                "SELECT token_hash FROM admin_token WHERE role = 'ADMIN' AND revoked = FALSE", List.class).size();
    }

    private static String instant(Object v) {
        return v instanceof Timestamp t ? t.toInstant().toString() : null;
    }

    static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
