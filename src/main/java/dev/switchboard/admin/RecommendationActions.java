package dev.switchboard.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ErrorBodies;
import dev.switchboard.api.GatewayError;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.providers.Json;
import dev.switchboard.recommend.Advisor;
import dev.switchboard.recommend.Recommendation;
import dev.switchboard.recommend.Recommendations;
import dev.switchboard.routing.RuleBuilder;
import dev.switchboard.routing.RuleDraft;
import dev.switchboard.routing.RuleError;
import dev.switchboard.routing.RulesHolder;
import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code /admin/api/recommendations}: any role lists, reads and previews; an editor refreshes, applies and dismisses.
 * Applying writes the change the way an editor's own would go: a routing rule through the rule builder and the rules
 * API's save (compiled with the other files, versioned with a diff, audited), a chain or a model's defaults through the
 * catalog API (validated whole, versioned, audited). Either can be rolled back through its version history; the answer
 * names the version to roll back to.
 */
final class RecommendationActions {
    private static final String PRINCIPAL = "principal";
    private static final String ACTION = "recommendations.apply";

    /** Writes a rule file as the rules API does; answers the compiler's errors (none when it serves). */
    interface RuleWriter {
        List<RuleError> write(AccessControl.Principal p, String action, String file, String content, String comment);
    }

    /** Answers a request with a status and a JSON body. */
    interface Responder {
        void send(RoutingContext ctx, int status, Object body);
    }

    private final Recommendations found;
    private final RulesHolder rules;
    private final Supplier<Catalog> catalog;
    private final CatalogResources resources;
    private final RuleHistory history;
    private final AuditLog audit;
    private final RuleWriter writer;
    private Responder responder;

    RecommendationActions(Recommendations found, RulesHolder rules, Supplier<Catalog> catalog, CatalogResources resources, RuleHistory history,
                          AuditLog audit, RuleWriter writer) {
        this.found = found;
        this.rules = rules;
        this.catalog = catalog;
        this.resources = resources;
        this.history = history;
        this.audit = audit;
        this.writer = writer;
    }

    void register(Router router, Handler<RoutingContext> editor, Responder send) {
        this.responder = send;
        router.get("/admin/api/recommendations").blockingHandler(ctx -> answer(ctx, () -> found.list(ctx.request().getParam("state"),
                ctx.request().getParam("kind"))), false);
        router.post("/admin/api/recommendations/refresh").handler(editor).blockingHandler(ctx -> answer(ctx, found::refresh), false);
        router.get("/admin/api/recommendations/:id").blockingHandler(ctx -> answer(ctx, () -> found.get(ctx.pathParam("id"))), false);
        router.post("/admin/api/recommendations/:id/preview").blockingHandler(ctx -> answer(ctx,
                () -> found.preview(ctx.pathParam("id"), last(ctx))), false);
        router.post("/admin/api/recommendations/:id/apply").handler(editor).blockingHandler(this::apply, false);
        router.post("/admin/api/recommendations/:id/dismiss").handler(editor).blockingHandler(ctx -> {
            AccessControl.Principal p = ctx.get(PRINCIPAL);
            audited(ctx, "recommendations.dismiss", () -> found.dismiss(ctx.pathParam("id"), p.name()));
        }, false);
    }

    private void apply(RoutingContext ctx) {
        audited(ctx, ACTION, () -> {
            AccessControl.Principal p = ctx.get(PRINCIPAL);
            // One apply at a time: two editors applying the same recommendation at once would both pass the check.
            synchronized (this) {
                Recommendation r = found.applicable(ctx.pathParam("id"));
                return switch (r.action().type()) {
                    case RULE -> applyRule(p, r);
                    case CATALOG -> applyCatalog(p, r);
                    case NONE -> throw new IllegalStateException("applicable() lets no information-only recommendation through");
                };
            }
        });
    }

    /**
     * The rule into its file. A file that does not exist yet is first written with its header alone, as a version of
     * its own: rolling back to it removes the recommendation's rule like any later one.
     */
    private ObjectNode applyRule(AccessControl.Principal p, Recommendation r) {
        RuleDraft draft = RuleBuilder.read(r.action().body(), catalog.get());
        String existing = rules.read(draft.file()).orElse(null);
        if (existing == null) {
            write(p, draft.file(), Advisor.RULE_FILE_HEADER, "created for the rules of applied recommendations");
            existing = Advisor.RULE_FILE_HEADER;
        }
        Integer previous = history.latestVersion(draft.file());
        write(p, draft.file(), draft.into(existing), "applied recommendation " + r.id() + ": " + r.title());
        ObjectNode answer = found.applied(r, p.name(), "rules", history.latestVersion(draft.file()), previous);
        answer.put("file", draft.file()).put("rule", draft.name()).put("drl", draft.drl());
        return answer.put("rollback", "POST /admin/api/rules/versions/" + previous + "/rollback");
    }

    private void write(AccessControl.Principal p, String file, String content, String comment) {
        List<RuleError> errors = writer.write(p, ACTION, file, content, comment);
        if (!errors.isEmpty()) {
            throw new GatewayError(400, "invalid_request_error", "rules_invalid", "id", "The recommendation's rule was refused, nothing written: "
                    + errors.get(0));
        }
    }

    /** The catalog entry with the recommendation's fields set in it (a chain written as a bare list becomes its model list). */
    private ObjectNode applyCatalog(AccessControl.Principal p, Recommendation r) {
        Recommendation.Action a = r.action();
        JsonNode entry = resources.get(a.section(), a.entry()).deepCopy();
        JsonNode changed = entry.isArray() && a.body().has("models") ? a.body().get("models").deepCopy() : merge(entry, a.body());
        ObjectNode saved = resources.put(a.section(), a.entry(), changed, p, "applied recommendation " + r.id() + ": " + r.title());
        int version = saved.path("version").asInt();
        ObjectNode answer = found.applied(r, p.name(), "catalog", version, version - 1);
        answer.set("entry", changed);
        return answer.put("rollback", "POST /admin/api/config/versions/" + (version - 1) + "/rollback");
    }

    /** {@code patch}'s fields set into {@code entry}, objects merged field by field. */
    private static JsonNode merge(JsonNode entry, JsonNode patch) {
        if (!entry.isObject() || !patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode out = (ObjectNode) entry;
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            JsonNode mine = out.get(f.getKey());
            out.set(f.getKey(), mine == null ? f.getValue().deepCopy() : merge(mine, f.getValue()));
        }
        return out;
    }

    /** {@code {"last": N}} in the body: how many recorded requests a preview looks at (default 100). */
    private static int last(RoutingContext ctx) {
        JsonNode body = ctx.body() == null || ctx.body().buffer() == null ? null : Json.parseOrNull(ctx.body().buffer().getBytes());
        JsonNode last = body == null ? null : body.get("last");
        if (last == null || last.isNull()) {
            return Recommendations.DEFAULT_PREVIEW_LAST;
        }
        if (!last.isIntegralNumber() || !last.canConvertToInt()) {
            throw GatewayError.badRequest("last", "'last' is a whole number of recorded requests, got " + last);
        }
        return last.asInt();
    }

    private void answer(RoutingContext ctx, Supplier<ObjectNode> op) {
        try {
            responder.send(ctx, 200, op.get());
        } catch (GatewayError e) {
            responder.send(ctx, e.status(), ErrorBodies.openAi(e.getMessage(), e.type(), e.param(), e.code()));
        } catch (RuntimeException e) {
            responder.send(ctx, 503, ErrorBodies.openAi("The usage database is unavailable or failed the query; try again shortly",
                    "service_unavailable", null, "database_unavailable"));
        }
    }

    private void audited(RoutingContext ctx, String action, Supplier<ObjectNode> op) {
        AccessControl.Principal p = ctx.get(PRINCIPAL);
        String id = ctx.pathParam("id");
        try {
            ObjectNode answer = op.get();
            audit.record(p.name(), p.role().name(), action, "recommendation " + id, "ok", answer.path("title").asText(null));
            responder.send(ctx, 200, answer);
        } catch (GatewayError e) {
            audit.record(p.name(), p.role().name(), action, "recommendation " + id, "refused", e.getMessage());
            responder.send(ctx, e.status(), ErrorBodies.openAi(e.getMessage(), e.type(), e.param(), e.code()));
        }
    }
}
