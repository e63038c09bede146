package dev.switchboard.recommend;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * One finding of the {@link Advisor}: what to change, the evidence it stands on (figures, sample sizes, the period
 * read) and its estimated monthly effect. {@code subject} names what it is about (agent, task type, model, chain...);
 * {@code action} is what applying it writes. The id is derived from the kind and the subject, so the same finding on
 * a later refresh has the same id (a dismissed one stays dismissed).
 */
public record Recommendation(String id, Kind kind, String title, ObjectNode subject, ObjectNode evidence, ObjectNode effect,
                             Action action) {

    /** The kinds of finding; the label is how the API names them. */
    public enum Kind {
        /** An agent's task type served by a dear model where a cheaper one scored as well: route it there (a rule). */
        CHEAPER_MODEL("cheaper_model"),
        /** A chain whose first model fails or lags where another of its models does not: put that one first (catalog). */
        CHAIN_ORDER("chain_order"),
        /** A model's default max_tokens far above what its answers use: lower it (catalog). */
        MAX_TOKENS("max_tokens"),
        /** An agent whose month-end projection is over its monthly budget: information, nothing to apply. */
        BUDGET("budget");

        public final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /**
     * What applying writes. {@code RULE}: a builder rule ({@code body} is {@code POST /admin/api/rules/builder}'s
     * JSON); {@code CATALOG}: one catalog entry ({@code section}/{@code entry} replaced by {@code body}); {@code NONE}:
     * nothing (the recommendation informs).
     */
    public record Action(Type type, String section, String entry, ObjectNode body) {
        public enum Type { RULE, CATALOG, NONE }

        static final Action NONE = new Action(Type.NONE, null, null, null);
    }

    /** A stable id: {@code rec-} and 16 hex digits of the SHA-256 of the kind and the subject's parts. */
    static String id(Kind kind, List<String> subject) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((kind.label + "\n" + String.join("\n", subject))
                    .getBytes(StandardCharsets.UTF_8));
            return "rec-" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }

    /** The recommendation as the API shows it, with its state. */
    ObjectNode json(String state) {
        ObjectNode o = JsonNodeFactory.instance.objectNode().put("id", id).put("kind", kind.label).put("state", state).put("title", title);
        o.set("subject", subject);
        o.set("evidence", evidence);
        o.set("effect", effect);
        ObjectNode a = o.putObject("action").put("type", action.type().name().toLowerCase(java.util.Locale.ROOT));
        if (action.type() == Action.Type.CATALOG) {
            a.put("section", action.section()).put("entry", action.entry());
        }
        if (action.body() != null) {
            a.set(action.type() == Action.Type.RULE ? "rule" : "value", action.body());
        }
        return o;
    }
}
