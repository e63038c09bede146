package dev.switchboard.catalog;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The agents in force, indexed by key hash: a request's key is found without touching the database. A change
 * swaps the whole index atomically.
 */
public final class Agents {
    /** Agent keys look like OpenAI keys so every SDK takes them, with a prefix that tells them apart. */
    public static final String KEY_PREFIX = "sk-sb-";

    private record Index(Map<String, AgentSpec> byId, Map<String, AgentSpec> byKeyHash) {
    }

    private final AtomicReference<Index> index = new AtomicReference<>(new Index(Map.of(), Map.of()));

    public void replaceAll(Collection<AgentSpec> agents) {
        Map<String, AgentSpec> byId = new LinkedHashMap<>();
        Map<String, AgentSpec> byKey = new LinkedHashMap<>();
        for (AgentSpec a : agents) {
            byId.put(a.id(), a);
            if (a.keyHash() != null) {
                byKey.put(a.keyHash(), a);
            }
        }
        index.set(new Index(Map.copyOf(byId), Map.copyOf(byKey)));
    }

    public Optional<AgentSpec> byKey(String key) {
        return Optional.ofNullable(index.get().byKeyHash().get(hash(key)));
    }

    public Optional<AgentSpec> byId(String id) {
        return Optional.ofNullable(index.get().byId().get(id));
    }

    public Collection<AgentSpec> all() {
        return index.get().byId().values();
    }

    public static String hash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
