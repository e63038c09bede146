package dev.switchboard.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.recording.Attempt;
import dev.switchboard.recording.LatencyBuckets;
import dev.switchboard.recording.UsageRecord;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The analytics API over real HTTP against a generated history of 50,000 requests over 60 days, written
 * through the real usage writer into the embedded database: every report must give exactly the figures
 * computed here from the generated rows.
 */
class AnalyticsApiTest {
    private static final int ROWS = 50_000;
    private static final Duration SPAN = Duration.ofDays(60);
    private static Gateway gw;
    private static List<UsageRecord> history;
    private static Instant end;
    private static Instant start;

    @BeforeAll
    static void load() {
        // Raw rows of the whole history stay: the fallbacks report reads them (retention has its own test).
        gw = Gateway.start(Map.of("SWITCHBOARD_RETENTION_DAYS", "90"));
        end = Instant.now().truncatedTo(ChronoUnit.DAYS); // requests made by the tests come after the history
        start = end.minus(SPAN);
        history = UsageHistory.generate(ROWS, end, SPAN, 42, "hist-");
        history.forEach(gw.app.usageWriter()::submit);
        Await.until("the history written", Duration.ofSeconds(120), () -> gw.app.usageWriter().pending(), p -> p == 0);
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @Test
    void should_count_usage_per_day_and_agent_exactly() throws Exception {
        JsonNode body = report("usage", "bucket=day&groupBy=agent&limit=1000");
        Map<String, long[]> expected = usageBy(history, r -> day(r.createdAt()) + "|" + r.caller());
        assertEquals(expected.size(), body.path("data").size());
        List<String> order = new ArrayList<>();
        for (JsonNode row : body.path("data")) {
            String key = row.path("bucket").asText() + "|" + row.path("agent").asText();
            order.add(key);
            assertUsage(expected.get(key), row, key);
        }
        assertEquals(new ArrayList<>(expected.keySet()), order, "ordered by bucket, then agent");
        assertFalse(body.path("hasMore").asBoolean());
        assertEquals(start.toString(), body.path("from").asText());

        // a period of whole hours, not days, is answered from the hourly rollups: same figures
        Instant from = start.plus(Duration.ofHours(5));
        Instant to = from.plus(Duration.ofDays(10));
        JsonNode hours = report("usage", "bucket=day&groupBy=agent&limit=1000&from=" + from + "&to=" + to);
        Map<String, long[]> inHours = usageBy(history.stream().filter(r -> !r.createdAt().isBefore(from) && r.createdAt().isBefore(to)).toList(),
                r -> day(r.createdAt()) + "|" + r.caller());
        assertEquals(inHours.size(), hours.path("data").size());
        for (JsonNode row : hours.path("data")) {
            String key = row.path("bucket").asText() + "|" + row.path("agent").asText();
            assertUsage(inHours.get(key), row, key);
        }
    }

    @Test
    void should_answer_whole_weeks_from_the_weekly_rollups() throws Exception {
        Instant firstMonday = dev.switchboard.recording.UsageRollups.weekStart(start).plus(Duration.ofDays(7));
        Instant lastMonday = dev.switchboard.recording.UsageRollups.weekStart(end);
        List<UsageRecord> inWeeks = history.stream().filter(r -> !r.createdAt().isBefore(firstMonday) && r.createdAt().isBefore(lastMonday)).toList();
        JsonNode weeks = report("usage", "bucket=week&groupBy=model&limit=1000&from=" + firstMonday + "&to=" + lastMonday);
        Map<String, long[]> expected = usageBy(inWeeks, r -> week(r.createdAt()) + "|" + (r.model() == null ? "" : r.model()));
        assertEquals(expected.size(), weeks.path("data").size());
        for (JsonNode row : weeks.path("data")) {
            String key = row.path("bucket").asText() + "|" + (row.path("model").isNull() ? "" : row.path("model").asText());
            assertUsage(expected.get(key), row, key);
        }
        JsonNode total = report("costs", "bucket=none&from=" + firstMonday + "&to=" + lastMonday);
        assertEquals(inWeeks.stream().mapToDouble(UsageRecord::costUsd).sum(), total.at("/data/0/costUsd").asDouble(), 0.0);
    }

    @Test
    void should_filter_by_model_and_status_class_and_bucket_by_week() throws Exception {
        JsonNode body = report("usage", "bucket=week&groupBy=taskType,entry&model=gpt-4o&status=5xx&limit=1000");
        List<UsageRecord> matching = history.stream().filter(r -> "gpt-4o".equals(r.model()) && r.status() >= 500).toList();
        // gpt-4o never served a failed request in the history: a failed row has no served model
        assertEquals(0, matching.size());
        assertEquals(0, body.path("data").size());
        body = report("usage", "bucket=week&groupBy=taskType,entry&status=5xx&limit=1000");
        Map<String, long[]> expected = usageBy(history.stream().filter(r -> r.status() >= 500).toList(),
                r -> week(r.createdAt()) + "|" + r.taskType() + "|" + r.entry());
        assertEquals(expected.size(), body.path("data").size());
        for (JsonNode row : body.path("data")) {
            String key = row.path("bucket").asText() + "|" + row.path("taskType").asText() + "|" + row.path("entry").asText();
            assertUsage(expected.get(key), row, key);
        }
        body = report("usage", "bucket=none&groupBy=status&agent=beta&taskType=code&rule=cheap-chat");
        Map<String, long[]> byStatus = usageBy(history.stream().filter(r -> r.caller().equals("beta") && r.taskType().equals("code")
                && "cheap-chat".equals(r.rule())).toList(), r -> Integer.toString(r.status()));
        assertEquals(byStatus.size(), body.path("data").size());
        for (JsonNode row : body.path("data")) {
            assertUsage(byStatus.get(row.path("status").asText()), row, row.toString());
        }
    }

    @Test
    void should_page_through_hourly_buckets() throws Exception {
        Instant from = end.minus(Duration.ofDays(20));
        List<String> hours = new ArrayList<>(usageBy(history.stream().filter(r -> !r.createdAt().isBefore(from)).toList(),
                r -> r.createdAt().truncatedTo(ChronoUnit.HOURS).toString()).keySet());
        JsonNode body = report("usage", "bucket=hour&limit=50&offset=100&from=" + from + "&to=" + end);
        assertEquals(50, body.path("data").size());
        for (int i = 0; i < 50; i++) {
            assertEquals(hours.get(100 + i), body.path("data").get(i).path("bucket").asText());
        }
        assertTrue(body.path("hasMore").asBoolean());
        JsonNode last = report("usage", "bucket=hour&limit=50&offset=" + (hours.size() - 10) + "&from=" + from + "&to=" + end);
        assertEquals(10, last.path("data").size());
        assertFalse(last.path("hasMore").asBoolean());
    }

    @Test
    void should_give_latency_and_ttft_percentiles_per_model_from_the_rollup_histograms() throws Exception {
        JsonNode body = report("latency", "bucket=none&groupBy=model");
        Map<String, List<UsageRecord>> byModel = history.stream().collect(Collectors.groupingBy(r -> r.model() == null ? "" : r.model()));
        assertEquals(byModel.size(), body.path("data").size());
        for (JsonNode row : body.path("data")) {
            List<UsageRecord> rows = byModel.get(row.path("model").isNull() ? "" : row.path("model").asText());
            long[] latencies = rows.stream().mapToLong(UsageRecord::latencyMs).sorted().toArray();
            long[] ttfts = rows.stream().filter(r -> r.stream() && r.ttftMs() >= 0).mapToLong(UsageRecord::ttftMs).sorted().toArray();
            assertEquals(rows.size(), row.path("requests").asLong());
            assertEquals(Arrays.stream(latencies).sum() / latencies.length, row.path("latencyAvgMs").asLong());
            assertEquals(ttfts.length, row.path("ttftCount").asLong());
            for (int q : new int[] {50, 95, 99}) {
                assertPercentile(latencies, q, row.path("latencyP" + q + "Ms"));
                if (ttfts.length > 0) {
                    assertPercentile(ttfts, q, row.path("ttftP" + q + "Ms"));
                }
            }
        }
    }

    @Test
    void should_give_costs_per_provider_savings_month_to_date_and_projection() throws Exception {
        JsonNode body = report("costs", "bucket=none&groupBy=provider");
        Map<String, double[]> expected = new TreeMap<>();
        for (UsageRecord r : history) {
            double[] e = expected.computeIfAbsent(r.provider() == null ? "" : r.provider(), k -> new double[4]);
            e[0] += 1;
            e[1] += r.costUsd();
            e[2] += r.plannedCostUsd();
            e[3] += r.cacheSavedUsd();
        }
        assertEquals(expected.size(), body.path("data").size());
        for (JsonNode row : body.path("data")) {
            double[] e = expected.get(row.path("provider").isNull() ? "" : row.path("provider").asText());
            assertEquals((long) e[0], row.path("requests").asLong());
            assertEquals(e[1], row.path("costUsd").asDouble(), 0.0, row.toString());
            assertEquals(e[2], row.path("plannedCostUsd").asDouble(), 0.0);
            assertEquals(e[2] - e[1], row.path("fallbackSavingsUsd").asDouble(), 1e-12);
            assertEquals(e[3], row.path("cacheSavingsUsd").asDouble(), 0.0);
            assertTrue(e[3] > 0 || e[1] == 0, "the history has cache hits: " + row);
        }
        double total = history.stream().mapToDouble(UsageRecord::costUsd).sum();
        assertEquals(total, body.at("/summary/period/costUsd").asDouble(), 1e-9);

        JsonNode alpha = report("costs", "bucket=none&agent=alpha");
        Instant monthStart = YearMonth.now(ZoneOffset.UTC).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        double mtd = history.stream().filter(r -> r.caller().equals("alpha") && !r.createdAt().isBefore(monthStart))
                .mapToDouble(UsageRecord::costUsd).sum();
        assertEquals(mtd, alpha.at("/summary/monthToDateUsd").asDouble(), 0.0);
        Instant monthEnd = YearMonth.now(ZoneOffset.UTC).plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        double gone = (double) Duration.between(monthStart, Instant.now()).toSeconds() / Duration.between(monthStart, monthEnd).toSeconds();
        assertEquals(mtd / gone, alpha.at("/summary/monthEndProjectionUsd").asDouble(), mtd / gone * 0.01);
        assertEquals(YearMonth.now(ZoneOffset.UTC).toString(), alpha.at("/summary/month").asText());
    }

    @Test
    void should_say_which_model_failed_why_and_what_served() throws Exception {
        JsonNode body = report("fallbacks", "bucket=none&limit=1000");
        Map<String, Long> expected = new TreeMap<>();
        for (UsageRecord r : history) {
            if (r.fallbacks() == 0) {
                continue;
            }
            for (Attempt a : r.attempts()) {
                if (!a.outcome().equals("ok")) {
                    expected.merge(a.model() + "|" + a.provider() + "|" + a.outcome() + "|" + r.model(), 1L, Long::sum);
                }
            }
        }
        assertEquals(expected.size(), body.path("data").size());
        long previous = Long.MAX_VALUE;
        for (JsonNode row : body.path("data")) {
            String key = row.path("failedModel").asText() + "|" + row.path("failedProvider").asText() + "|" + row.path("reason").asText()
                    + "|" + (row.path("servedModel").isNull() ? "null" : row.path("servedModel").asText());
            assertEquals(expected.get(key), row.path("count").asLong(), key);
            assertTrue(row.path("count").asLong() <= previous, "most frequent first");
            previous = row.path("count").asLong();
        }
    }

    @Test
    void should_export_any_report_as_csv() {
        HttpResponse<String> r = get("usage", "bucket=none&groupBy=agent&format=csv&from=" + start + "&to=" + end);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/csv"));
        List<String> lines = r.body().lines().toList();
        assertEquals("agent,requests,errors,fallbackRequests,fallbacks,promptTokens,completionTokens,cachedTokens,reasoningTokens,totalTokens",
                lines.get(0));
        long[] alpha = usageBy(history, UsageRecord::caller).get("alpha");
        assertEquals("alpha," + Arrays.stream(alpha).mapToObj(Long::toString).collect(Collectors.joining(",")) + "," + (alpha[4] + alpha[5]),
                lines.get(1));
        assertEquals(1 + UsageHistory.AGENTS.size(), lines.size());
        HttpResponse<String> fallbacks = get("fallbacks", "bucket=none&format=csv&limit=3&from=" + start + "&to=" + end);
        assertEquals("failedModel,failedProvider,reason,servedModel,count", fallbacks.body().lines().findFirst().orElseThrow());
    }

    @Test
    void should_refuse_bad_parameters_naming_them() throws Exception {
        String[][] cases = {
                {"usage", "groupBy=agent,colour", "groupBy"},
                {"usage", "from=2026-03-01&to=2026-02-01", "from"},
                {"usage", "from=2024-01-01&to=2026-01-01", "from"},
                {"usage", "bucket=hour&from=2026-01-01&to=2026-03-01", "bucket"},
                {"latency", "limit=0", "limit"},
                {"costs", "limit=1001", "limit"},
                {"usage", "offset=-1", "offset"},
                {"usage", "bucket=month", "bucket"},
                {"usage", "from=yesterday", "from"},
                {"fallbacks", "status=2x9", "status"},
                {"usage", "format=xml", "format"},
                {"usage", "colour=blue", "colour"},
                {"usage", "agent=a&agent=b", "agent"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = get(c[0], c[1]);
            assertEquals(400, r.statusCode(), c[1] + ": " + r.body());
            JsonNode error = Gateway.MAPPER.readTree(r.body()).path("error");
            assertEquals(c[2], error.path("param").asText(), c[1] + ": " + r.body());
            assertEquals("invalid_request_error", error.path("type").asText());
        }
        assertEquals(404, get("cohorts", "").statusCode());
    }

    @Test
    void should_let_a_viewer_read_and_nobody_without_a_token() throws Exception {
        String viewer = gw.createToken("dashboard", "viewer");
        HttpResponse<String> asViewer = gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + "/admin/api/analytics/costs?bucket=none"))
                .header("Authorization", "Bearer " + viewer).GET().build());
        assertEquals(200, asViewer.statusCode(), asViewer.body());
        HttpResponse<String> anonymous = gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + "/admin/api/analytics/usage"))
                .header("Authorization", "Bearer nope").GET().build());
        assertEquals(401, anonymous.statusCode());
    }

    @Test
    void should_record_token_kinds_task_type_entry_and_fallbacks_of_a_live_request() throws Exception {
        HttpResponse<String> r = gw.post("/messages", "{\"model\":\"flaky\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "x-switchboard-task-type", "code", "x-switchboard-agent", "live");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode row = gw.usageRow(r.headers().firstValue("x-switchboard-request-id").orElseThrow());
        assertEquals("messages", row.path("entry").asText());
        assertEquals("code", row.path("task_type").asText());
        assertEquals(1, row.path("fallback_count").asInt());
        assertEquals(0, row.path("cached_tokens").asInt());
        assertEquals(0, row.path("reasoning_tokens").asInt());
        assertEquals((11 * 1.0 + 7 * 1.0) / 1e6, row.path("planned_cost_usd").asDouble(), 1e-12, "at flaky's price, the chain's first model");
        assertEquals((11 * 0.15 + 7 * 0.60) / 1e6, row.path("cost_usd").asDouble(), 1e-12);
        JsonNode usage = Await.until("the live request in the rollups", Gateway.TIMEOUT, () -> {
            try {
                return report("usage", "bucket=none&groupBy=entry,taskType&agent=live&from=" + end + "&to=" + Instant.now().plus(Duration.ofHours(1)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, b -> b.path("data").size() == 1);
        JsonNode only = usage.path("data").get(0);
        assertEquals("messages", only.path("entry").asText());
        assertEquals(1, only.path("fallbacks").asLong());
        assertEquals(18, only.path("totalTokens").asLong());
    }

    @Test
    void should_count_cost_and_tokens_per_agent_with_only_known_agents_as_labels() throws Exception {
        HttpResponse<String> created = gw.admin("POST", "/admin/api/agents", "{\"id\":\"metered\",\"dailyBudgetUsd\":2}");
        assertEquals(201, created.statusCode(), created.body());
        String key = Gateway.MAPPER.readTree(created.body()).path("key").asText();
        assertEquals(200, gw.postChat(Gateway.chatBody("gpt-4o-mini", "hello"), "Authorization", "Bearer " + key).statusCode());
        assertEquals(200, gw.postChat(Gateway.chatBody("gpt-4o-mini", "hello"), "x-switchboard-agent", "made-up-" + System.nanoTime()).statusCode());
        double cost = (11 * 0.15 + 7 * 0.60) / 1e6;
        String metrics = Await.until("the per-agent metrics", Gateway.TIMEOUT, () -> gw.get(gw.managementUrl() + "/metrics").body(),
                m -> !Double.isNaN(metric(m, "switchboard_agent_tokens_total{agent=\"other\",type=\"prompt\"}"))
                        && Math.abs(metric(m, "switchboard_budget_remaining_usd{agent=\"metered\",budget=\"daily\"}") - (2 - cost)) < 1e-12);
        assertEquals(11, metric(metrics, "switchboard_agent_tokens_total{agent=\"metered\",type=\"prompt\"}"));
        assertEquals(7, metric(metrics, "switchboard_agent_tokens_total{agent=\"metered\",type=\"completion\"}"));
        assertEquals(cost, metric(metrics, "switchboard_agent_cost_usd_total{agent=\"metered\"}"), 1e-12);
        assertFalse(metrics.contains("made-up-"), "a name a caller chose is never a label");
    }

    /** The value of one series in a Prometheus scrape, NaN when absent. */
    private static double metric(String scrape, String series) {
        return scrape.lines().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1).trim())).orElse(Double.NaN);
    }

    // ------------------------------------------------------------------ expectations from the generated rows

    /** requests, errors, fallbackRequests, fallbacks, prompt, completion, cached, reasoning per key, keys sorted. */
    static Map<String, long[]> usageBy(List<UsageRecord> rows, Function<UsageRecord, String> key) {
        Map<String, long[]> out = new TreeMap<>();
        for (UsageRecord r : rows) {
            long[] e = out.computeIfAbsent(key.apply(r), k -> new long[8]);
            long[] add = {1, r.status() >= 400 ? 1 : 0, r.fallbacks() > 0 ? 1 : 0, r.fallbacks(), r.promptTokens(), r.completionTokens(),
                    r.cachedTokens(), r.reasoningTokens()};
            for (int i = 0; i < add.length; i++) {
                e[i] += add[i];
            }
        }
        return out;
    }

    private static void assertUsage(long[] e, JsonNode row, String key) {
        assertTrue(e != null, "unexpected group " + key);
        String[] fields = {"requests", "errors", "fallbackRequests", "fallbacks", "promptTokens", "completionTokens", "cachedTokens", "reasoningTokens"};
        for (int i = 0; i < fields.length; i++) {
            assertEquals(e[i], row.path(fields[i]).asLong(), key + " " + fields[i]);
        }
        assertEquals(e[4] + e[5], row.path("totalTokens").asLong());
    }

    /** The reported percentile is the histogram's, and lies in the same bucket as the exact one of the raw values. */
    private static void assertPercentile(long[] sorted, int q, JsonNode reported) {
        long[] counts = new long[LatencyBuckets.COUNT];
        for (long v : sorted) {
            counts[LatencyBuckets.index(v)]++;
        }
        assertEquals(LatencyBuckets.quantile(counts, q / 100.0), reported.asLong(), "p" + q);
        long exact = sorted[(int) Math.ceil(q / 100.0 * sorted.length) - 1];
        int bucket = LatencyBuckets.index(exact);
        long lower = bucket == 0 ? 0 : LatencyBuckets.BOUNDS_MS.get(bucket - 1);
        long upper = bucket == LatencyBuckets.BOUNDS_MS.size() ? Long.MAX_VALUE : LatencyBuckets.BOUNDS_MS.get(bucket);
        assertTrue(reported.asLong() >= lower && reported.asLong() <= upper, "p" + q + " " + reported + " vs exact " + exact);
    }

    private static String day(Instant t) {
        return t.truncatedTo(ChronoUnit.DAYS).toString();
    }

    private static String week(Instant t) {
        return t.atZone(ZoneOffset.UTC).toLocalDate().with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).atStartOfDay()
                .toInstant(ZoneOffset.UTC).toString();
    }

    private static JsonNode report(String name, String query) throws Exception {
        HttpResponse<String> r = get(name, query.contains("from=") ? query : query + "&from=" + start + "&to=" + end);
        assertEquals(200, r.statusCode(), r.body());
        return Gateway.MAPPER.readTree(r.body());
    }

    private static HttpResponse<String> get(String name, String query) {
        String encoded = Arrays.stream(query.split("&")).map(p -> {
            int eq = p.indexOf('=');
            return eq < 0 ? p : p.substring(0, eq + 1) + URLEncoder.encode(p.substring(eq + 1), StandardCharsets.UTF_8);
        }).collect(Collectors.joining("&"));
        return gw.get(gw.managementUrl() + "/admin/api/analytics/" + name + "?" + encoded);
    }
}
