package dev.switchboard.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.admin.AccessControl.Role;
import dev.switchboard.api.ErrorBodies;
import dev.switchboard.api.GatewayError;
import dev.switchboard.providers.Json;
import dev.switchboard.settings.GlobalSettings;
import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /admin/api/settings}: any role reads the global settings with where each comes from; an editor changes the
 * budget alert thresholds, an admin anything (anonymous access is a security setting, and a shorter retention deletes
 * history). Each write is validated whole before any of it is stored, audited, and served at once.
 */
final class GlobalSettingsApi {
    private static final String PRINCIPAL = "principal";
    private static final String ACTION = "settings.update";

    private final GlobalSettings settings;
    private final AuditLog audit;
    private final RecommendationActions.Responder send;
    /** Runs after a stored change, e.g. to tell the other instances. */
    private final Runnable changed;

    GlobalSettingsApi(GlobalSettings settings, AuditLog audit, RecommendationActions.Responder send, Runnable changed) {
        this.settings = settings;
        this.audit = audit;
        this.send = send;
        this.changed = changed;
    }

    void register(Router router, Handler<RoutingContext> editor) {
        router.get("/admin/api/settings").handler(ctx -> send.send(ctx, 200, settings.view()));
        router.put("/admin/api/settings").handler(editor).blockingHandler(ctx -> update(ctx, body(ctx)), false);
        router.delete("/admin/api/settings/:name").handler(editor).blockingHandler(ctx -> update(ctx,
                JsonNodeFactory.instance.objectNode().putNull(ctx.pathParam("name"))), false);
    }

    private void update(RoutingContext ctx, JsonNode body) {
        AccessControl.Principal p = ctx.get(PRINCIPAL);
        try {
            String what = settings.update(body, p.name(), p.role().allows(Role.ADMIN));
            changed.run();
            audit.record(p.name(), p.role().name(), ACTION, "settings", "ok", what);
            send.send(ctx, 200, settings.view());
        } catch (GatewayError e) {
            audit.record(p.name(), p.role().name(), ACTION, "settings", e.status() == 403 ? "denied" : "refused", e.getMessage());
            send.send(ctx, e.status(), ErrorBodies.openAi(e.getMessage(), e.type(), e.param(), e.code()));
        }
    }

    /** The body as JSON; null when it is none (refused by the update, naming what it expects). */
    private static JsonNode body(RoutingContext ctx) {
        return ctx.body() == null || ctx.body().buffer() == null ? null : Json.parseOrNull(ctx.body().buffer().getBytes());
    }
}
