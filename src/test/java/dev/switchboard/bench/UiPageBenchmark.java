package dev.switchboard.bench;

import dev.switchboard.support.Gateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Map;

/**
 * Times the management UI's pages and fragments over HTTP, as the browser asks for them, on an embedded HSQLDB
 * file database holding the rollups of N requests over 90 days (default 1 million; built as
 * {@link AnalyticsBenchmark} does). A plain {@code main}, never run by {@code ./mvnw verify}:
 * {@code java -cp ... dev.switchboard.bench.UiPageBenchmark [requests]}.
 */
public final class UiPageBenchmark {
    private static final int DEFAULT_REQUESTS = 1_000_000;
    private static final int WARMUP = 30;
    private static final int RUNS = 21;
    private static final String[] PATHS = {"/ui/providers", "/ui/f/providers", "/ui/settings", "/ui/f/settings/global", "/ui/f/settings/agents",
            "/ui/f/settings/provider-keys", "/ui/f/settings/tokens", "/ui/f/settings/versions", "/ui/f/settings/export", "/ui/f/settings/audit",
            "/ui/models", "/ui/f/models", "/ui/f/models/gpt-4o-mini", "/ui/rules", "/ui/f/rules", "/ui/f/rules/builder", "/ui/f/rules/drl",
            "/ui/f/rules/versions", "/ui/chains", "/ui/f/chains", "/ui/f/chains/builder?id=rescue", "/ui/analytics", "/ui/f/analytics",
            "/ui/f/analytics?range=24h&by=provider", "/ui/f/analytics?range=30d&by=agent", "/ui/f/analytics/recommendations"};

    private UiPageBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_REQUESTS;
        Path data = Files.createTempDirectory("switchboard-ui-bench");
        String rollupRows = AnalyticsBenchmark.load(data, requests, Instant.now().truncatedTo(ChronoUnit.HOURS));
        try (Gateway gw = Gateway.start(Map.of("SWITCHBOARD_DATA", data.toString(), "SWITCHBOARD_RETENTION_DAYS", "400"))) {
            System.out.printf("%,d requests -> %s rollup rows%n", requests, rollupRows);
            System.out.printf("%-32s %8s %8s%n", "page or fragment", "median", "max");
            for (String path : PATHS) {
                long[] ms = time(gw, path);
                System.out.printf("%-32s %5d ms %5d ms%n", path, ms[RUNS / 2], ms[RUNS - 1]);
            }
        }
    }

    private static long[] time(Gateway gw, String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(gw.managementUrl() + path))
                .header("Authorization", "Bearer " + Gateway.ADMIN_TOKEN).GET().build();
        for (int i = 0; i < WARMUP; i++) {
            check(gw.send(request));
        }
        long[] ms = new long[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long t0 = System.nanoTime();
            check(gw.send(request));
            ms[i] = (System.nanoTime() - t0) / 1_000_000;
        }
        Arrays.sort(ms);
        return ms;
    }

    private static void check(HttpResponse<String> r) {
        if (r.statusCode() != 200) {
            throw new IllegalStateException(r.statusCode() + " " + r.body());
        }
    }
}
