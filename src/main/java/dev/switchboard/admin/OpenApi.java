package dev.switchboard.admin;

import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The management API's OpenAPI document, written by hand in {@code admin/openapi.json}; a test checks that it
 * names every route the management router registers, so the two cannot drift apart.
 */
final class OpenApi {
    static final String PATH = "/admin/api/openapi.json";
    private static final String RESOURCE = "admin/openapi.json";
    private static final byte[] DOCUMENT = load();

    private OpenApi() {
    }

    static void serve(RoutingContext ctx) {
        ctx.response().putHeader("Content-Type", "application/json").end(io.vertx.core.buffer.Buffer.buffer(DOCUMENT));
    }

    private static byte[] load() {
        try (InputStream in = OpenApi.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
