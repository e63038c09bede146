package dev.switchboard.bench;

import dev.switchboard.boot.Database;
import dev.switchboard.recording.Attempt;
import dev.switchboard.recording.UsageRollups;
import dev.switchboard.recording.SqlDialect;
import dev.switchboard.recording.UsageRecord;
import dev.switchboard.support.Gateway;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * How long the analytics reports take over 10 million requests' worth of hourly rollups in the embedded
 * HSQLDB file database: the rollups are built by the writer's own {@link UsageRollups} from 10,000,000
 * generated requests spread over 90 days (20 agents, 8 models, 5 task types, 4 rules, 3 entries, 4 statuses,
 * skewed and correlated as real traffic is, see {@link #request}), then a gateway is started on that database and every report is timed over HTTP,
 * the way the dashboard calls it. Target: under 200 ms each. Not a test (surefire skips it); run it with
 * <pre>
 * ./mvnw -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
 * java -Xmx2g -cp target/test-classes:target/classes:$(cat target/bench.classpath) dev.switchboard.bench.AnalyticsBenchmark [requests]
 * </pre>
 */
public final class AnalyticsBenchmark {
    private static final int DEFAULT_REQUESTS = 10_000_000;
    private static final Duration SPAN = Duration.ofDays(90);
    private static final int AGENTS = 20;
    private static final String[] MODELS = {"gpt-4o", "gpt-4o-mini", "claude-haiku-4-5", "claude-sonnet-4-5", "gemini-2.5-flash",
            "llama-3.1-8b", "mistral-small", "deepseek-chat"};
    private static final String[] PROVIDERS = {"openai", "openai", "anthropic", "anthropic", "gemini", "ollama", "mistral", "deepseek"};
    private static final String[] TASKS = {"chat", "code", "summarization", "extraction", "translation"};
    private static final String[] RULES = {"", "cheap-chat", "code-to-claude", "long-context"};
    private static final String[] ENTRIES = {"http", "jms", "messages"};
    private static final int RUNS = 9;
    /** Calls before timing: a gateway that has run a while has its query path compiled by the JIT. */
    private static final int WARMUP = 30;

    private AnalyticsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_REQUESTS;
        Path data = Files.createTempDirectory("switchboard-bench");
        Instant end = Instant.now().truncatedTo(ChronoUnit.HOURS);
        String rollupRows = load(data, requests, end);
        try (Gateway gw = Gateway.start(Map.of("SWITCHBOARD_DATA", data.toString(), "SWITCHBOARD_RETENTION_DAYS", "400"))) {
            // ranges of whole weeks and days, as a dashboard asks them (weekly and daily rollups), and of hours
            Instant today = end.truncatedTo(ChronoUnit.DAYS);
            Instant month = today.minus(Duration.ofDays(30));
            Instant all = today.minus(SPAN).plus(Duration.ofDays(1));
            Instant thisWeek = UsageRollups.weekStart(end);
            Instant weeks = thisWeek.minus(Duration.ofDays(7 * 12));
            String[][] queries = {
                    {"usage", "bucket=day&groupBy=agent&from=" + month + "&to=" + today + "&limit=1000"},
                    {"usage", "bucket=week&groupBy=model,provider&from=" + weeks + "&to=" + thisWeek},
                    {"usage", "bucket=hour&agent=agent-3&from=" + end.minus(Duration.ofDays(7)) + "&to=" + end + "&limit=1000"},
                    {"latency", "bucket=hour&groupBy=model&from=" + end.minus(Duration.ofDays(2)) + "&to=" + end + "&limit=1000"},
                    {"usage", "bucket=day&groupBy=taskType,status&model=gpt-4o&from=" + all + "&to=" + today + "&limit=1000"},
                    {"latency", "bucket=none&groupBy=model&from=" + month + "&to=" + today},
                    {"latency", "bucket=day&groupBy=provider&from=" + all + "&to=" + today + "&limit=1000"},
                    {"costs", "bucket=none&groupBy=agent&from=" + month + "&to=" + today},
                    {"costs", "bucket=week&groupBy=provider&from=" + weeks + "&to=" + thisWeek + "&format=csv"},
                    {"costs", "bucket=none&groupBy=agent,model&from=" + weeks + "&to=" + thisWeek + "&limit=1000"},
                    {"fallbacks", "bucket=none&from=" + month + "&to=" + today + "&limit=1000"},
                    {"fallbacks", "bucket=day&groupBy=agent&from=" + month + "&to=" + today + "&limit=1000"},
                    {"fallbacks", "bucket=week&model=gpt-4o&from=" + weeks + "&to=" + thisWeek},
            };
            System.out.printf("%,d requests -> %s rollup rows%n", requests, rollupRows);
            System.out.printf("%-8s %-80s %8s %8s%n", "report", "query", "median", "max");
            for (String[] q : queries) {
                long[] ms = time(gw, q[0], q[1]);
                System.out.printf("%-8s %-80s %6d ms %6d ms%n", q[0], q[1].replaceAll("&(from|to)=[^&]*", ""), ms[RUNS / 2], ms[RUNS - 1]);
            }
        }
    }

    /**
     * Builds the rollups (usage and failures) through {@link UsageRollups}, one hour of requests at a time, as the
     * writer would. No report reads raw rows, so none are written.
     */
    static String load(Path data, int requests, Instant end) {
        Database db = new Database("jdbc:hsqldb:file:" + data.resolve("db").resolve("switchboard") + ";hsqldb.tx=mvcc", "SA", "");
        db.migrate();
        UsageRollups rollup = new UsageRollups(SqlDialect.HSQLDB);
        SplittableRandom random = new SplittableRandom(1);
        long hours = SPAN.toHours();
        long perHour = requests / hours;
        long t0 = System.nanoTime();
        for (long h = 0; h < hours; h++) {
            Instant hour = end.minus(SPAN).plus(Duration.ofHours(h));
            long n = h == hours - 1 ? requests - perHour * (hours - 1) : perHour;
            for (long i = 0; i < n; i++) {
                rollup.add(request(random, hour.plusMillis(random.nextLong(3_600_000))));
            }
            rollup.flush(db);
        }
        System.out.printf("loaded in %d s%n", (System.nanoTime() - t0) / 1_000_000_000);
        String rows;
        try (var c = db.getConnection(); var s = c.createStatement(); var r = s.executeQuery("SELECT (SELECT COUNT(*) FROM usage_hourly), "
                + "(SELECT COUNT(*) FROM usage_daily), (SELECT COUNT(*) FROM usage_weekly), (SELECT COUNT(*) FROM failure_hourly) FROM (VALUES(0))")) {
            r.next();
            rows = String.format("%,d hourly, %,d daily and %,d weekly (and %,d hourly failure rows)", r.getLong(1), r.getLong(2), r.getLong(3),
                    r.getLong(4));
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        db.shutdown();
        return rows;
    }

    /**
     * One request of a fleet of agents as it looks in practice: each agent comes in by one entry and does
     * mostly one task type, the rules route a task type to its model, and a few requests fall back or fail.
     */
    private static UsageRecord request(SplittableRandom random, Instant at) {
        int agent = skewed(random, AGENTS);
        int task = random.nextInt(5) == 0 ? random.nextInt(TASKS.length) : agent % TASKS.length;
        int rule = task % RULES.length;
        int model = random.nextInt(20) == 0 ? random.nextInt(MODELS.length) : (task * 3 + agent / 7) % MODELS.length;
        int status = random.nextInt(100) < 96 ? 200 : new int[] {429, 500, 503}[random.nextInt(3)];
        boolean stream = random.nextBoolean();
        long latency = (long) Math.exp(3 + random.nextDouble() * 7);
        int prompt = 20 + random.nextInt(3000);
        int completion = random.nextInt(1000);
        List<Attempt> attempts = new ArrayList<>();
        if (random.nextInt(20) == 0) {
            attempts.add(new Attempt(MODELS[(model + 1) % MODELS.length], PROVIDERS[(model + 1) % MODELS.length], "timeout", 1000, 0));
        }
        attempts.add(new Attempt(MODELS[model], PROVIDERS[model], status == 200 ? "ok" : "server_error", latency, status));
        double cost = (prompt * 2.5 + completion * 10) / 1e6;
        return new UsageRecord("b", at, ENTRIES[agent % ENTRIES.length], "chat", "agent-" + agent, MODELS[model], MODELS[model],
                PROVIDERS[model], emptyToNull(RULES[rule]), attempts, prompt, completion, prompt + completion, cost, latency,
                stream ? latency / 3 : -1, status, status == 200 ? "ok" : "upstream_error", null, stream, List.of(), prompt / 4, 0,
                TASKS[task], null, cost * 1.2);
    }

    /** Index 0 most often, each next one about half as often: traffic is never uniform. */
    private static int skewed(SplittableRandom random, int n) {
        int i = 0;
        while (i < n - 1 && random.nextBoolean()) {
            i++;
        }
        return random.nextInt(4) == 0 ? random.nextInt(n) : i;
    }

    private static String emptyToNull(String s) {
        return s.isEmpty() ? null : s;
    }

    private static long[] time(Gateway gw, String report, String query) {
        String encoded = String.join("&", Arrays.stream(query.split("&")).map(p -> p.substring(0, p.indexOf('=') + 1)
                + URLEncoder.encode(p.substring(p.indexOf('=') + 1), StandardCharsets.UTF_8)).toList());
        String url = gw.managementUrl() + "/admin/api/analytics/" + report + "?" + encoded;
        for (int i = 0; i < WARMUP; i++) {
            check(gw.get(url));
        }
        long[] ms = new long[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long t0 = System.nanoTime();
            check(gw.get(url));
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
