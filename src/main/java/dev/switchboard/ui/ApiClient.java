package dev.switchboard.ui;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.function.IntSupplier;

/**
 * The UI's only way to data: the management API over loopback, with the signed-in user's own token. Every read
 * and write of a page therefore passes the API's token check, role checks, validation and audit, exactly as a
 * curl call would; the UI holds no data access of its own.
 */
final class ApiClient {
    /** Only the management API (and the health report beside it) is reachable through this client. */
    static final String API_PREFIX = "/admin/api/";
    static final String HEALTH = "/health";
    /** A UI call waits at most this long for the API (the API's own work is bounded far below it); ms. */
    private static final long API_TIMEOUT_MS = 30_000;
    /** Parallel loopback connections: a page's fragments load side by side. */
    private static final int MAX_CONNECTIONS = 16;

    private final HttpClient http;
    private final String host;
    private final IntSupplier port;

    ApiClient(Vertx vertx, String listenHost, IntSupplier port) {
        this.http = vertx.createHttpClient(new HttpClientOptions().setMaxPoolSize(MAX_CONNECTIONS));
        this.host = loopback(listenHost);
        this.port = port;
    }

    /** A server listening on every interface is reached on loopback; one bound to a single address, on that address. */
    private static String loopback(String listenHost) {
        return listenHost == null || listenHost.equals("0.0.0.0") || listenHost.equals("::") ? "127.0.0.1" : listenHost;
    }

    Future<ApiAnswer> send(String bearer, HttpMethod method, String path, Buffer body, String contentType) {
        if (!path.startsWith(API_PREFIX) && !path.equals(HEALTH)) {
            throw new IllegalArgumentException("the UI calls only the management API, not " + path);
        }
        RequestOptions options = new RequestOptions().setHost(host).setPort(port.getAsInt()).setMethod(method).setURI(path)
                .setIdleTimeout(API_TIMEOUT_MS).putHeader("Authorization", "Bearer " + bearer);
        if (body != null) {
            options.putHeader("Content-Type", contentType);
        }
        return http.request(options)
                .compose(request -> body == null ? request.send() : request.send(body))
                .compose(response -> response.body().map(bytes -> new ApiAnswer(response.statusCode(), response.getHeader("Content-Type"), bytes)));
    }
}
