package dev.switchboard.bench;

import dev.switchboard.support.Gateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * What a response-cache hit adds over the direct path at a fixed rate (issue 14: under 1 ms at 1,000 req/s). A gateway
 * with an agent whose cache is on answers one warmed request from its cache; the same request goes straight to the fake
 * upstream the gateway would call. Each is driven open-loop at {@code rate} req/s (a send every 1/rate s, whether or not
 * earlier answers came back) and every latency is counted from the request's scheduled send time, as wrk2 does, so a
 * stall delays every request scheduled during it instead of hiding behind a waiting client (coordinated omission).
 * Rounds alternate direct and cache so a change in the machine's load touches both. Not a test; run it with
 * <pre>
 * ./mvnw -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
 * java -cp target/test-classes:target/classes:$(cat target/bench.classpath) dev.switchboard.bench.CacheHitBenchmark [rate] [seconds] [rounds]
 * </pre>
 */
public final class CacheHitBenchmark {
    private static final int DEFAULT_RATE = 1_000;
    private static final int DEFAULT_SECONDS = 20;
    private static final int DEFAULT_ROUNDS = 2;
    /** Sent before each measured run (not counted): the JIT compiles the path and the client opens its connections. */
    private static final Duration WARMUP = Duration.ofSeconds(5);
    /** An answer later than this counts as lost, so a run always ends. */
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** The fake keeps every request it gets; forgetting them this often keeps its bookkeeping out of the figures. */
    private static final int FAKE_RESET_EVERY = 500;

    private CacheHitBenchmark() {
    }

    /** One run's latencies (microseconds from the scheduled send), sorted, and its failures. */
    private record Run(long[] micros, int failed) {
        long percentile(double p) {
            return micros.length == 0 ? -1 : micros[Math.min(micros.length - 1, (int) Math.ceil(p / 100 * micros.length) - 1)];
        }
    }

    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_RATE;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : DEFAULT_SECONDS;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : DEFAULT_ROUNDS;
        Path data = Files.createTempDirectory("switchboard-bench");
        try (Gateway gw = Gateway.start(Map.of("SWITCHBOARD_DATA", data.toString()))) {
            HttpResponse<String> agent = gw.admin("POST", "/admin/api/agents", "{\"id\":\"bench\",\"cache\":true}");
            if (agent.statusCode() != 201) {
                throw new IllegalStateException("agent not created: " + agent.body());
            }
            String key = Gateway.MAPPER.readTree(agent.body()).path("key").asText();
            String body = Gateway.chatBody("gpt-4o-mini", "What is the capital of France?");
            HttpRequest viaCache = HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/chat/completions")).timeout(TIMEOUT)
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + key)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            HttpRequest direct = HttpRequest.newBuilder(URI.create(gw.fake.baseUrl() + "/chat/completions")).timeout(TIMEOUT)
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + Gateway.PROVIDER_KEY)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String first = client.send(viaCache, HttpResponse.BodyHandlers.ofString()).headers().firstValue("x-switchboard-cache").orElse("");
            String second = client.send(viaCache, HttpResponse.BodyHandlers.ofString()).headers().firstValue("x-switchboard-cache").orElse("");
            if (!"miss".equals(first) || !"hit".equals(second)) {
                throw new IllegalStateException("the warmed entry does not answer from the cache: " + first + ", " + second);
            }
            System.out.printf(Locale.ROOT, "open loop at %d req/s, %d s per run after %d s warm-up, %d rounds; load average %s%n",
                    rate, seconds, WARMUP.toSeconds(), rounds, loadAverage());
            System.out.printf(Locale.ROOT, "%-7s %-6s %9s %9s %9s %9s %7s%n", "round", "path", "p50 ms", "p90 ms", "p99 ms", "max ms", "failed");
            long[][] all = new long[2][];
            for (int round = 1; round <= rounds; round++) {
                Run d = run(client, direct, gw, rate, seconds, "direct", round);
                Run c = run(client, viaCache, gw, rate, seconds, "hit", round);
                all[0] = concat(all[0], d.micros());
                all[1] = concat(all[1], c.micros());
            }
            Run d = new Run(sorted(all[0]), 0);
            Run c = new Run(sorted(all[1]), 0);
            System.out.printf(Locale.ROOT, "all rounds: direct p50 %s p99 %s; cache hit p50 %s p99 %s; added p50 %s ms, p99 %s ms; load average %s%n",
                    ms(d.percentile(50)), ms(d.percentile(99)), ms(c.percentile(50)), ms(c.percentile(99)),
                    ms(c.percentile(50) - d.percentile(50)), ms(c.percentile(99) - d.percentile(99)), loadAverage());
        }
    }

    private static Run run(HttpClient client, HttpRequest request, Gateway gw, int rate, int seconds, String label, int round)
            throws InterruptedException {
        load(client, request, gw, rate, (int) WARMUP.toSeconds(), "hit".equals(label));
        Run r = load(client, request, gw, rate, seconds, "hit".equals(label));
        System.out.printf(Locale.ROOT, "%-7d %-6s %9s %9s %9s %9s %7d%n", round, label, ms(r.percentile(50)), ms(r.percentile(90)),
                ms(r.percentile(99)), ms(r.percentile(100)), r.failed());
        return r;
    }

    /** Sends {@code rate × seconds} requests on schedule and waits (bounded) for every answer. */
    private static Run load(HttpClient client, HttpRequest request, Gateway gw, int rate, int seconds, boolean mustHit)
            throws InterruptedException {
        int n = rate * seconds;
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        long[] micros = new long[n];
        AtomicInteger failed = new AtomicInteger();
        CompletableFuture<?>[] answers = new CompletableFuture<?>[n];
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10);
        for (int i = 0; i < n; i++) {
            long scheduled = start + i * interval;
            long wait;
            while ((wait = scheduled - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            int slot = i;
            answers[i] = client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).handle((response, error) -> {
                micros[slot] = (System.nanoTime() - scheduled) / 1_000;
                boolean ok = error == null && response.statusCode() == 200
                        && (!mustHit || "hit".equals(response.headers().firstValue("x-switchboard-cache").orElse("")));
                if (!ok && failed.getAndIncrement() == 0) {
                    System.out.println("first failure: " + (error != null ? error
                            : response.statusCode() + " " + response.headers().firstValue("x-switchboard-cache").orElse("") + " "
                            + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8)));
                }
                return null;
            });
            if (i % FAKE_RESET_EVERY == 0) {
                gw.fake.reset();
            }
        }
        try {
            CompletableFuture.allOf(answers).get(TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("answers did not all come back: " + e.getMessage(), e);
        }
        return new Run(sorted(micros), failed.get());
    }

    private static long[] sorted(long[] values) {
        long[] copy = values.clone();
        Arrays.sort(copy);
        return copy;
    }

    private static long[] concat(long[] a, long[] b) {
        if (a == null) {
            return b;
        }
        long[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String ms(long micros) {
        return String.format(Locale.ROOT, "%.3f", micros / 1000.0);
    }

    /** The 1, 5 and 15 minute load averages (Linux), for reading the figures on a shared machine. */
    private static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
