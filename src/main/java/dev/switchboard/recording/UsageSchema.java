package dev.switchboard.recording;

import java.util.ArrayList;
import java.util.List;

/**
 * What the analytics need on top of {@link UsageWriter#ddl()}: the columns added to {@code usage_record}, its
 * indexes and the rollup tables. Every statement is idempotent ({@code IF NOT EXISTS}, understood by
 * HSQLDB 2.7 and PostgreSQL 9.6+), so they run at every start and bring an older database up to date without
 * a migration tool: the schema only ever grows by columns, indexes and tables.
 */
public final class UsageSchema {
    private UsageSchema() {
    }

    public static List<String> ddl() {
        List<String> all = new ArrayList<>();
        for (String column : List.of("cached_tokens INT DEFAULT 0", "reasoning_tokens INT DEFAULT 0", "task_type VARCHAR(32)",
                "chain_id VARCHAR(256)", "fallback_count INT DEFAULT 0", "planned_cost_usd DOUBLE PRECISION",
                "context_fit VARCHAR(64)")) {
            all.add("ALTER TABLE usage_record ADD COLUMN IF NOT EXISTS " + column);
        }
        // Time ranges, alone or per agent, model or provider: what every raw-row question filters by.
        all.add("CREATE INDEX IF NOT EXISTS usage_record_time ON usage_record (created_at)");
        all.add("CREATE INDEX IF NOT EXISTS usage_record_caller_time ON usage_record (caller, created_at)");
        all.add("CREATE INDEX IF NOT EXISTS usage_record_model_time ON usage_record (model, created_at)");
        all.add("CREATE INDEX IF NOT EXISTS usage_record_provider_time ON usage_record (provider, created_at)");
        all.addAll(UsageRollups.ddl());
        for (String table : UsageRollups.TABLES) {
            // added after the first rollups shipped
            all.add("ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS cache_saved_usd DOUBLE PRECISION DEFAULT 0 NOT NULL");
            all.add("CREATE INDEX IF NOT EXISTS " + table + "_agent ON " + table + " (agent, period_start)");
            all.add("CREATE INDEX IF NOT EXISTS " + table + "_model ON " + table + " (model, period_start)");
        }
        return all;
    }
}
