package dev.switchboard.admin;

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

    static String ddl() {
        return """
                CREATE TABLE IF NOT EXISTS admin_token (
                  token_hash VARCHAR(64) PRIMARY KEY, name VARCHAR(128) NOT NULL, role VARCHAR(16) NOT NULL,
                  created_at TIMESTAMP NOT NULL, revoked BOOLEAN DEFAULT FALSE NOT NULL)""";
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
            return Optional.of(new Principal("env-admin", Role.ADMIN));
        }
        List<?> rows = producer.requestBodyAndHeader(jdbc + "?outputType=SelectList&useHeadersAsParameters=true",
                "SELECT name, role FROM admin_token WHERE token_hash = :?hash AND revoked = FALSE", "hash", h, List.class);
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Map<?, ?> row = (Map<?, ?>) rows.get(0);
        return Optional.of(new Principal(String.valueOf(Rows.value(row, "name")), Role.valueOf(String.valueOf(Rows.value(row, "role")))));
    }

    static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
