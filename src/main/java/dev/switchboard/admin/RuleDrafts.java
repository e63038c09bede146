package dev.switchboard.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.GatewayError;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.routing.RuleBuilder;
import dev.switchboard.routing.RuleDraft;
import dev.switchboard.routing.RuleError;
import dev.switchboard.routing.RulesHolder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.ProducerTemplate;

/**
 * The draft of a dry run or a replay ({@code POST /admin/api/rules/test}, {@code .../replay}): a rule file's new text
 * ({@code "draft": {"file", "text"}}) or a builder rule ({@code "draftRule": {...}}), compiled with the other files on
 * disk into rules that are tried and thrown away, never saved nor served.
 */
final class RuleDrafts {
    /** Requests a replay goes back over at most: a few seconds of evaluation. */
    static final int MAX_REPLAY = 10_000;
    static final int DEFAULT_REPLAY = 100;
    /** The columns a replay rebuilds a request from. */
    private static final String COLUMNS = "requested_model, caller, tags, stream, prompt_tokens, completion_tokens, task_type";

    private RuleDrafts() {
    }

    /** A draft that does not compile: its errors with file:line. */
    static final class Refused extends RuntimeException {
        private final transient List<RuleError> errors;

        Refused(List<RuleError> errors) {
            super(errors.get(0).toString());
            this.errors = errors;
        }

        List<RuleError> errors() {
            return errors;
        }
    }

    /**
     * Takes the draft out of {@code body} (what is left is the sample request) and compiles it; empty when the body
     * has none.
     */
    static Optional<RulesHolder> compile(ObjectNode body, RulesHolder rules, Catalog catalog) {
        JsonNode file = body.remove("draft");
        JsonNode rule = body.remove("draftRule");
        if (file != null && rule != null) {
            throw GatewayError.badRequest("draft", "Send one draft: \"draft\" (a file's text) or \"draftRule\" (a builder rule)");
        }
        String name;
        String text;
        if (file != null) {
            if (!file.isObject() || !file.path("file").isTextual() || !file.path("text").isTextual()) {
                throw GatewayError.badRequest("draft", "\"draft\" is {\"file\": \"name.drl\", \"text\": \"the file's new DRL\"}");
            }
            name = file.get("file").asText();
            text = file.get("text").asText();
        } else if (rule != null) {
            RuleDraft draft = builderRule(rule, catalog);
            name = draft.file();
            text = draft.into(rules.read(name).orElse(null));
        } else {
            return Optional.empty();
        }
        RulesHolder.Candidate candidate = rules.candidate(name, text);
        if (!candidate.errors().isEmpty()) {
            throw new Refused(candidate.errors());
        }
        return Optional.of(candidate.rules());
    }

    /** The builder's refusal, with the part named inside {@code draftRule}. */
    private static RuleDraft builderRule(JsonNode rule, Catalog catalog) {
        try {
            return RuleBuilder.read(rule, catalog);
        } catch (GatewayError e) {
            throw new GatewayError(e.status(), e.type(), e.code(), e.param() == null ? "draftRule" : "draftRule." + e.param(), e.getMessage());
        }
    }

    /** {@code "last"}: how many recorded requests to replay, 1 to {@link #MAX_REPLAY}. */
    static int last(ObjectNode body) {
        JsonNode last = body.get("last");
        if (last == null || last.isNull()) {
            return DEFAULT_REPLAY;
        }
        if (!last.isIntegralNumber() || last.asLong() < 1 || last.asLong() > MAX_REPLAY) {
            throw GatewayError.badRequest("last", "'last' is how many recorded requests to replay, 1 to " + MAX_REPLAY + ", got " + last);
        }
        return last.asInt();
    }

    /** The last {@code n} recorded chat requests, newest first, with lower-case column names. */
    static List<Map<String, Object>> recentChats(ProducerTemplate producer, String dataSourceName, int n) {
        List<?> rows = producer.requestBody("jdbc:" + dataSourceName + "?outputType=SelectList", "SELECT " + COLUMNS
                + " FROM usage_record WHERE operation = 'chat' ORDER BY created_at DESC, request_id DESC LIMIT " + n, List.class);
        List<Map<String, Object>> out = new ArrayList<>(rows.size());
        for (Object row : rows) {
            Map<String, Object> named = new LinkedHashMap<>();
            ((Map<?, ?>) row).forEach((k, v) -> named.put(k.toString().toLowerCase(Locale.ROOT), v));
            out.add(named);
        }
        return out;
    }
}
