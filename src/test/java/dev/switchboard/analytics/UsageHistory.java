package dev.switchboard.analytics;

import dev.switchboard.recording.Attempt;
import dev.switchboard.recording.UsageRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A generated usage history with known answers: {@code count} requests spread over {@code span} before
 * {@code end} from a fixed seed, with several agents, models, task types, rules, entries, failures and
 * fallbacks. Costs are whole multiples of 2^-20 dollars, so every sum is exact in a double and reports can be
 * compared with {@code assertEquals} to the last bit.
 */
final class UsageHistory {
    static final double COST_UNIT = 1.0 / (1 << 20);
    static final List<String> AGENTS = List.of("alpha", "beta", "gamma", "anonymous");
    static final List<String> MODELS = List.of("gpt-4o", "gpt-4o-mini", "claude-haiku-4-5", "llama-local");
    static final List<String> PROVIDERS = List.of("openai", "openai", "anthropic", "ollama");
    /** Price per token in COST_UNITs, per model (input, output). */
    private static final int[][] PRICE = {{10, 40}, {1, 4}, {4, 20}, {0, 0}};
    static final List<String> TASKS = List.of("chat", "code", "summarization");
    static final List<String> RULES = List.of("", "cheap-chat", "code-to-claude");
    static final List<String> ENTRIES = List.of("http", "jms", "messages");
    static final List<String> REASONS = List.of("timeout", "rate_limit", "server_error");

    private UsageHistory() {
    }

    static List<UsageRecord> generate(int count, Instant end, Duration span, long seed, String idPrefix) {
        Random random = new Random(seed);
        List<UsageRecord> rows = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Instant at = end.minusMillis(1 + (long) (random.nextDouble() * (span.toMillis() - 1)));
            int model = random.nextInt(MODELS.size());
            int planned = model;
            List<Attempt> attempts = new ArrayList<>();
            int status = 200;
            String outcome = "ok";
            boolean fallback = random.nextInt(10) == 0;
            boolean failed = random.nextInt(25) == 0;
            if (fallback) {
                planned = (model + 1 + random.nextInt(MODELS.size() - 1)) % MODELS.size();
                String reason = REASONS.get(random.nextInt(REASONS.size()));
                attempts.add(new Attempt(MODELS.get(planned), PROVIDERS.get(planned), reason, 100 + random.nextInt(900), 500));
                if (random.nextBoolean()) {
                    attempts.add(new Attempt(MODELS.get(planned), PROVIDERS.get(planned), reason, 50, 500)); // a retry: not a second fallback
                }
            }
            String servedModel = MODELS.get(model);
            String provider = PROVIDERS.get(model);
            if (failed) {
                status = List.of(429, 500, 503).get(random.nextInt(3));
                outcome = status == 429 ? "rate_limited" : "upstream_error";
                attempts.add(new Attempt(servedModel, provider, "server_error", 200, status));
                servedModel = null;
                provider = null;
            } else {
                attempts.add(new Attempt(servedModel, provider, "ok", 300, 200));
            }
            int prompt = failed ? 0 : 10 + random.nextInt(2000);
            int completion = failed ? 0 : random.nextInt(800);
            int cached = prompt / (1 + random.nextInt(4)) * (random.nextInt(3) == 0 ? 1 : 0);
            int reasoning = completion / 3 * (random.nextInt(4) == 0 ? 1 : 0);
            double cost = failed ? 0 : (prompt * PRICE[model][0] + completion * PRICE[model][1]) * COST_UNIT;
            double plannedCost = failed ? 0 : (prompt * PRICE[planned][0] + completion * PRICE[planned][1]) * COST_UNIT;
            boolean cacheHit = !failed && random.nextInt(50) == 0;
            List<String> tags = cacheHit ? List.of(UsageRecord.CACHE_SAVED_TAG + cost) : List.of(); // dyadic: printed exactly
            if (cacheHit) {
                cost = 0;
                plannedCost = 0;
            }
            boolean stream = random.nextBoolean();
            long latency = (long) Math.exp(2 + random.nextDouble() * 8.5); // 7 ms .. 36 s, log-uniform
            long ttft = stream && !failed ? latency / (2 + random.nextInt(5)) : -1;
            rows.add(new UsageRecord(idPrefix + i, at, ENTRIES.get(random.nextInt(ENTRIES.size())), "chat",
                    AGENTS.get(random.nextInt(AGENTS.size())), MODELS.get(planned), servedModel, provider,
                    emptyToNull(RULES.get(random.nextInt(RULES.size()))), attempts, prompt, completion, prompt + completion, cost, latency,
                    ttft, status, outcome, failed ? "upstream failed" : null, stream, tags, cached, reasoning,
                    TASKS.get(random.nextInt(TASKS.size())), fallback ? "rescue" : null, plannedCost));
        }
        return rows;
    }

    private static String emptyToNull(String s) {
        return s.isEmpty() ? null : s;
    }
}
