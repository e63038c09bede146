package dev.switchboard.ui;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management UI under {@code /ui/} on the management port. Pages are shells without data (the same for
 * everyone); their fragments under {@code /ui/f/} are loaded by htmx with the signed-in user's token in the
 * Authorization header and rendered from management API calls made with that token ({@link ApiClient}), so
 * the API's roles, validation and audit apply to everything the UI shows or does.
 */
public final class ManagementUi {
    private static final Logger LOG = LoggerFactory.getLogger(ManagementUi.class);
    public static final String ROOT = "/ui/";
    /** Fragments: the only UI paths with data, each behind the token check. */
    public static final String FRAGMENTS = ROOT + "f/";
    static final String CONTENT_SECURITY_POLICY =
            "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; frame-ancestors 'none'";
    /** A submitted form is small; bytes. */
    private static final long FORM_LIMIT_BYTES = 256 * 1024;
    private static final String VIEWER = "ui.viewer";
    private static final String BEARER = "ui.bearer";
    private static final String HTML = "text/html; charset=utf-8";

    /** The screens with fragments of their own; a screen with only a shell needs no entry. */
    private static final List<UiScreen> SCREENS = List.of(
            new ProviderScreen(java.time.Clock.systemUTC()),
            new ModelScreen(),
            new RuleScreen(),
            new ChainScreen(),
            new AnalyticsScreen(),
            new SettingsScreen());

    private final ApiClient api;
    private final Templates templates = new Templates();
    private Router router;

    /** {@code listenHost} and {@code port}: where the management server listens (the port is known once it does). */
    public ManagementUi(Vertx vertx, String listenHost, IntSupplier port) {
        this.api = new ApiClient(vertx, listenHost, port);
    }

    public void register(Router target) {
        this.router = target;
        router.route("/ui/*").handler(ManagementUi::securityHeaders);
        router.get("/ui").handler(ctx -> redirect(ctx, ROOT));
        router.get(ROOT).handler(ctx -> redirect(ctx, Screen.PROVIDERS.path()));
        // Front-end libraries come from their webjars on the classpath, never from a CDN.
        router.get(ROOT + "assets/vendor/*").handler(StaticHandler.create("META-INF/resources/webjars").setDirectoryListing(false));
        // Our own files have unversioned paths: no caching, so a new build is picked up at once.
        router.get(ROOT + "assets/*").handler(StaticHandler.create("web").setDirectoryListing(false).setCachingEnabled(false));
        router.get(ROOT + "api-docs/").handler(ctx -> page(ctx, 200, templates.render("api-docs.jte", Map.of())));
        router.route(FRAGMENTS + "*").handler(this::authenticate);
        router.route(FRAGMENTS + "*").handler(BodyHandler.create(false).setBodyLimit(FORM_LIMIT_BYTES));
        SCREENS.forEach(s -> s.register(this));
        router.get(ROOT + ":screen").handler(this::shell);
    }

    public void get(String path, Fragment fragment) {
        route(HttpMethod.GET, path, fragment);
    }

    public void post(String path, Fragment fragment) {
        route(HttpMethod.POST, path, fragment);
    }

    public void put(String path, Fragment fragment) {
        route(HttpMethod.PUT, path, fragment);
    }

    public void delete(String path, Fragment fragment) {
        route(HttpMethod.DELETE, path, fragment);
    }

    /** A fragment at {@code /ui/f/<path>}. */
    private void route(HttpMethod method, String path, Fragment fragment) {
        router.route(method, FRAGMENTS + path).handler(ctx -> {
            UiCall call = new UiCall(ctx, api, templates, ctx.get(BEARER), ctx.get(VIEWER));
            fragment.render(call).onComplete(done -> {
                if (done.succeeded()) {
                    done.result().headers().forEach(ctx.response()::putHeader);
                    page(ctx, done.result().status(), done.result().html());
                } else {
                    LOG.warn("UI fragment {} {} failed: {}", method, path, done.cause().toString());
                    page(ctx, 502, error("The management API did not answer; try again."));
                }
            });
        });
    }

    private static void securityHeaders(RoutingContext ctx) {
        ctx.response().putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Referrer-Policy", "no-referrer");
        ctx.next();
    }

    /** A screen's shell: the layout and the screen's fragment placeholders, no data (so no token needed). */
    private void shell(RoutingContext ctx) {
        Screen screen = null;
        for (Screen s : Screen.values()) {
            if (s.id().equals(ctx.pathParam("screen"))) {
                screen = s;
            }
        }
        if (screen == null) {
            page(ctx, 404, error("No such page; the navigation lists the screens."));
            return;
        }
        String template = templates.exists(screen.template()) ? screen.template() : "screens/coming.jte";
        page(ctx, 200, templates.render(template, Map.of("screen", screen)));
    }

    /**
     * Checks the caller's token with the API before a byte of a form is read ({@code whoami} also says the role
     * a fragment renders for). No token or a refused one is answered 401: the page then asks to sign in.
     */
    private void authenticate(RoutingContext ctx) {
        String auth = ctx.request().getHeader("Authorization");
        String bearer = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : "";
        if (bearer.isEmpty()) {
            refuseUnread(ctx, 401, error("Sign in with a management token."));
            return;
        }
        HttpServerRequest request = ctx.request();
        request.pause(); // resumed by the body reader once the token is known good
        api.send(bearer, HttpMethod.GET, ApiClient.API_PREFIX + "whoami", null, null).onComplete(who -> {
            if (who.failed()) {
                refuseUnread(ctx, 502, error("The management API did not answer; try again."));
            } else if (who.result().status() != 200) {
                refuseUnread(ctx, 401, error(who.result().errorMessage()));
            } else {
                ctx.put(BEARER, bearer);
                ctx.put(VIEWER, new Viewer(who.result().json().path("name").asText(), who.result().json().path("role").asText()));
                ctx.next();
            }
        });
    }

    /** Answers without reading the body: what the caller still sends is dropped, and the connection closed after. */
    private static void refuseUnread(RoutingContext ctx, int status, String html) {
        HttpServerRequest request = ctx.request();
        if (!request.isEnded()) {
            ctx.response().putHeader("Connection", "close");
            request.handler(chunk -> { });
            request.resume();
        }
        page(ctx, status, html);
    }

    private String error(String message) {
        return templates.render("partials/error.jte", Map.of("message", message));
    }

    private static void page(RoutingContext ctx, int status, String html) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", HTML).putHeader("Cache-Control", "no-store").end(html);
    }

    private static void redirect(RoutingContext ctx, String to) {
        ctx.response().setStatusCode(302).putHeader("Location", to).end();
    }
}
