package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ErrorBodies;
import dev.switchboard.providers.Json;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers what never reaches the pipeline, in the shape of the API the caller speaks (Anthropic's under
 * {@code /v1/messages}, OpenAI's elsewhere) instead of Vert.x's HTML page or empty body: a path no front door
 * serves is 404, a served path with another method 405 with {@code Allow}, and a failure before the pipeline
 * (a body over the size limit, an error inside the HTTP layer) keeps its status with a JSON body. Form and
 * multipart bodies are refused 415 before they are read: the HTTP layer would parse them (and store uploads)
 * before the pipeline could say that it takes JSON only.
 */
public final class FrontDoorErrors {
    private static final Logger LOG = LoggerFactory.getLogger(FrontDoorErrors.class);
    private static final int INTERNAL_ERROR = 500;
    /** Runs before every front door route (those take the orders from 0 up as they are added). */
    private static final int BEFORE_FRONT_DOORS = -1;

    private FrontDoorErrors() {
    }

    /** Adds the form check, the catch-all route (after every front door, whenever those are added) and the failure handler. */
    public static void install(Router router) {
        router.route().order(BEFORE_FRONT_DOORS).handler(ctx -> refuseForms(ctx, router));
        router.route().last().handler(ctx -> unmatched(ctx, router));
        router.route().failureHandler(FrontDoorErrors::failed);
    }

    private static void refuseForms(RoutingContext ctx, Router router) {
        String type = ctx.request().getHeader("Content-Type");
        String lower = type == null ? "" : type.toLowerCase(Locale.ROOT);
        if ((lower.startsWith("application/x-www-form-urlencoded") || lower.startsWith("multipart/"))
                && !methodsServing(router, ctx.normalizedPath()).isEmpty()) {
            answer(ctx, 415, "invalid_request_error", "unsupported_media_type", "Content-Type must be application/json, got '" + type + "'");
            return;
        }
        ctx.next();
    }

    private static void unmatched(RoutingContext ctx, Router router) {
        String path = withoutTrailingSlash(ctx.normalizedPath());
        Set<String> allowed = methodsServing(router, path);
        if (allowed.isEmpty()) {
            answer(ctx, 404, "invalid_request_error", "unknown_url",
                    "Invalid URL (" + ctx.request().method() + " " + path + "): no such endpoint; see GET /v1/models");
            return;
        }
        ctx.response().putHeader("Allow", String.join(", ", allowed));
        answer(ctx, 405, "invalid_request_error", "method_not_allowed",
                "Method " + ctx.request().method() + " is not allowed on " + path + "; use " + String.join(" or ", allowed));
    }

    /** The methods of the front doors at {@code path}; empty when none serves it. */
    private static Set<String> methodsServing(Router router, String path) {
        String wanted = withoutTrailingSlash(path);
        Set<String> methods = new TreeSet<>();
        for (Route route : router.getRoutes()) {
            if (route.getPath() != null && withoutTrailingSlash(route.getPath()).equals(wanted) && route.methods() != null) {
                route.methods().forEach(m -> methods.add(m.name()));
            }
        }
        return methods;
    }

    private static void failed(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        int status = failure instanceof HttpException http ? http.getStatusCode() : ctx.statusCode();
        if (status < 400) {
            status = INTERNAL_ERROR;
        }
        if (status >= INTERNAL_ERROR) {
            LOG.error("{} {} failed in the HTTP layer before the pipeline", ctx.request().method(), ctx.normalizedPath(), failure);
            answer(ctx, status, "server_error", "internal_error", "Internal gateway error; the gateway log has the details");
            return;
        }
        String message = status == 413 ? "The request body is larger than this gateway accepts"
                : "The HTTP request was refused (" + status + (failure == null ? "" : ": " + failure.getMessage()) + ")";
        answer(ctx, status, "invalid_request_error", status == 413 ? "request_too_large" : "invalid_request", message);
    }

    private static void answer(RoutingContext ctx, int status, String type, String code, String message) {
        if (ctx.response().headWritten()) {
            ctx.request().connection().close(); // too late for an error body: end the exchange the caller is reading
            return;
        }
        String path = ctx.normalizedPath();
        ObjectNode body = ErrorBodies.forPath(path, status, message, type, code);
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(Buffer.buffer(Json.bytes(body)));
    }

    private static String withoutTrailingSlash(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
