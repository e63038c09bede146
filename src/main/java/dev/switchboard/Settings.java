package dev.switchboard;

import dev.switchboard.catalog.CatalogLoader.SimulatorMode;
import dev.switchboard.catalog.ChainSpec;
import dev.switchboard.quality.QualityEvaluation;
import dev.switchboard.resilience.BreakerRegistry;
import dev.switchboard.simulator.Simulation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Everything the gateway reads from its environment, with the defaults that make {@code java -jar} work on
 * a fresh clone. Immutable; tests build their own with {@link #fromEnv(Map)}.
 */
public record Settings(
        String host,
        int port,
        String managementHost,
        int managementPort,
        int jmsPort,
        Path dataDir,
        Path rulesDir,
        Path routesDir,
        Path catalogFile,
        String dbUrl,
        String dbUser,
        String dbPassword,
        SimulatorMode simulatorMode,
        Simulation simulation,
        int workerThreads,
        /** In-flight, idle and read limits of the HTTP servers. */
        dev.switchboard.boot.ServerLimits limits,
        int breakerMinimumCalls,
        int retries,
        Duration breakerOpenWait,
        long rulesPollMillis,
        Duration probeInterval,
        String adminToken,
        /** Whether requests without an agent key are served; null leaves it to the keys in force (see AnonymousAccess). */
        Boolean allowAnonymous,
        /** Which unkeyed callers count as local when a real provider key is at stake. */
        dev.switchboard.catalog.AnonymousAccess.Trusted anonymousTrusted,
        /** Budget shares (percent) that raise an alert. */
        java.util.List<Integer> budgetAlertPercents,
        Map<String, String> env) {

    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_MANAGEMENT_PORT = 8081;
    public static final int DEFAULT_JMS_PORT = 61616;
    /** Every waiting stream holds one worker while it relays; size for hundreds of concurrent slow streams. */
    public static final int DEFAULT_WORKER_THREADS = 400;
    /** Long enough for a typical streamed answer to finish; container runtimes wait 30 s before SIGKILL. */
    public static final int DEFAULT_SHUTDOWN_GRACE_SECONDS = 25;

    public static Settings fromEnv(Map<String, String> env) {
        Path data = Path.of(get(env, "SWITCHBOARD_DATA", "./data"));
        String catalog = env.get("SWITCHBOARD_CATALOG");
        int workers = integer(env, "SWITCHBOARD_WORKER_THREADS", DEFAULT_WORKER_THREADS);
        return new Settings(
                get(env, "SWITCHBOARD_HOST", "0.0.0.0"),
                integer(env, "SWITCHBOARD_PORT", DEFAULT_PORT),
                get(env, "SWITCHBOARD_MANAGEMENT_HOST", "127.0.0.1"),
                integer(env, "SWITCHBOARD_MANAGEMENT_PORT", DEFAULT_MANAGEMENT_PORT),
                integer(env, "SWITCHBOARD_JMS_PORT", DEFAULT_JMS_PORT),
                data,
                Path.of(get(env, "SWITCHBOARD_RULES", "rules")),
                Path.of(get(env, "SWITCHBOARD_ROUTES", "routes")),
                catalog == null || catalog.isBlank() ? null : Path.of(catalog),
                get(env, "SWITCHBOARD_DB_URL", "jdbc:hsqldb:file:" + data.resolve("db").resolve("switchboard") + ";hsqldb.tx=mvcc"),
                get(env, "SWITCHBOARD_DB_USER", "SA"),
                get(env, "SWITCHBOARD_DB_PASSWORD", ""),
                SimulatorMode.valueOf(get(env, "SWITCHBOARD_SIMULATOR", "auto").toUpperCase(Locale.ROOT)),
                new Simulation(
                        integer(env, "SWITCHBOARD_SIMULATOR_LATENCY_MS", 0),
                        rate(env, "SWITCHBOARD_SIMULATOR_ERROR_RATE"),
                        rate(env, "SWITCHBOARD_SIMULATOR_429_RATE"),
                        rate(env, "SWITCHBOARD_SIMULATOR_HANG_RATE"),
                        rate(env, "SWITCHBOARD_SIMULATOR_CUT_RATE")),
                workers,
                // Each admitted request holds at most one worker at a time: admitted requests never wait for a thread.
                new dev.switchboard.boot.ServerLimits(integer(env, "SWITCHBOARD_MAX_IN_FLIGHT", workers),
                        Duration.ofSeconds(integer(env, "SWITCHBOARD_IDLE_TIMEOUT_SECONDS",
                                (int) dev.switchboard.boot.ServerLimits.DEFAULT_IDLE_TIMEOUT.toSeconds())),
                        Duration.ofSeconds(integer(env, "SWITCHBOARD_REQUEST_READ_TIMEOUT_SECONDS",
                                (int) dev.switchboard.boot.ServerLimits.DEFAULT_REQUEST_READ_TIMEOUT.toSeconds()))),
                integer(env, "SWITCHBOARD_BREAKER_MIN_CALLS", BreakerRegistry.DEFAULT_MINIMUM_CALLS),
                integer(env, "SWITCHBOARD_RETRIES", ChainSpec.EXTRA_ATTEMPTS),
                Duration.ofSeconds(integer(env, "SWITCHBOARD_BREAKER_OPEN_SECONDS", (int) BreakerRegistry.DEFAULT_OPEN_WAIT.toSeconds())),
                integer(env, "SWITCHBOARD_RULES_POLL_MS", 500),
                Duration.ofSeconds(integer(env, "SWITCHBOARD_PROBE_SECONDS", 30)),
                env.get("SWITCHBOARD_ADMIN_TOKEN"),
                env.get("SWITCHBOARD_ALLOW_ANONYMOUS") == null || env.get("SWITCHBOARD_ALLOW_ANONYMOUS").isBlank() ? null
                        : Boolean.valueOf(env.get("SWITCHBOARD_ALLOW_ANONYMOUS").trim()),
                trusted(env, dev.switchboard.catalog.AnonymousAccess.TRUSTED_ENV),
                percents(env, "SWITCHBOARD_BUDGET_ALERTS"),
                Map.copyOf(env));
    }

    /**
     * How many models' breaker and health state is remembered ({@code SWITCHBOARD_TRACKED_MODELS}): callers name
     * ad-hoc models, so beyond this the least used are forgotten (Caffeine: by recency and frequency).
     */
    public int trackedModels() {
        int n = integer(env, "SWITCHBOARD_TRACKED_MODELS", BreakerRegistry.DEFAULT_AD_HOC_MODELS);
        if (n < 1) {
            throw new IllegalArgumentException("SWITCHBOARD_TRACKED_MODELS must be at least 1, got " + n);
        }
        return n;
    }

    /** How often the quality scores are recomputed ({@code SWITCHBOARD_QUALITY_REFRESH_MS}, default 5 minutes). */
    public Duration qualityRefresh() {
        int ms = integer(env, "SWITCHBOARD_QUALITY_REFRESH_MS", (int) QualityEvaluation.DEFAULT_REFRESH.toMillis());
        if (ms < MIN_QUALITY_REFRESH_MS) {
            throw new IllegalArgumentException("SWITCHBOARD_QUALITY_REFRESH_MS must be at least " + MIN_QUALITY_REFRESH_MS + ", got " + ms);
        }
        return Duration.ofMillis(ms);
    }

    /** Below this the scores' queries would run back to back. */
    private static final int MIN_QUALITY_REFRESH_MS = 100;

    /** Days raw usage rows are kept ({@code SWITCHBOARD_RETENTION_DAYS}); hourly rollups are kept 13 months. */
    public int retentionDays() {
        return integer(env, "SWITCHBOARD_RETENTION_DAYS", dev.switchboard.recording.Retention.DEFAULT_RAW_DAYS);
    }

    /** Days stored Responses API responses are kept ({@code SWITCHBOARD_RESPONSES_RETENTION_DAYS}, default 30). */
    public int responsesRetentionDays() {
        return integer(env, "SWITCHBOARD_RESPONSES_RETENTION_DAYS", dev.switchboard.responses.ResponseStore.DEFAULT_RETENTION_DAYS);
    }

    private static String get(Map<String, String> env, String name, String fallback) {
        String v = env.get(name);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    /** The response cache's bound ({@code SWITCHBOARD_CACHE_MAX_MB}, mebibytes of stored answers); 0 stores nothing. */
    public long cacheMaxBytes() {
        int mb = integer(env, "SWITCHBOARD_CACHE_MAX_MB", DEFAULT_CACHE_MAX_MB);
        if (mb < 0) {
            throw new IllegalArgumentException("SWITCHBOARD_CACHE_MAX_MB must be 0 or more, got " + mb);
        }
        return (long) mb << 20;
    }

    private static final int DEFAULT_CACHE_MAX_MB = 64;

    /** Whether the response cache also keeps answers in the database for the other instances ({@code SWITCHBOARD_CACHE_SHARED}). */
    public boolean cacheShared() {
        String v = get(env, "SWITCHBOARD_CACHE_SHARED", "false");
        if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException("SWITCHBOARD_CACHE_SHARED must be true or false, got '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }

    /** The shared tier's bound ({@code SWITCHBOARD_CACHE_SHARED_MAX_MB}, mebibytes of stored answers in the database). */
    public long cacheSharedMaxBytes() {
        int mb = integer(env, "SWITCHBOARD_CACHE_SHARED_MAX_MB", DEFAULT_CACHE_SHARED_MAX_MB);
        if (mb < 1) {
            throw new IllegalArgumentException("SWITCHBOARD_CACHE_SHARED_MAX_MB must be 1 or more, got " + mb);
        }
        return (long) mb << 20;
    }

    private static final int DEFAULT_CACHE_SHARED_MAX_MB = 256;

    private static int integer(Map<String, String> env, String name, int fallback) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + v + "'");
        }
    }

    private static dev.switchboard.catalog.AnonymousAccess.Trusted trusted(Map<String, String> env, String name) {
        String v = get(env, name, "loopback");
        try {
            return dev.switchboard.catalog.AnonymousAccess.Trusted.valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " must be loopback or none, got '" + v + "'");
        }
    }

    private static java.util.List<Integer> percents(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return dev.switchboard.recording.BudgetLedger.DEFAULT_ALERT_PERCENTS;
        }
        try {
            java.util.List<Integer> list = java.util.Arrays.stream(v.split(",")).map(String::trim).map(Integer::parseInt).sorted().toList();
            if (list.stream().anyMatch(p -> p < 1 || p > 1000)) {
                throw new NumberFormatException();
            }
            return list;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " is a list of percents like 50,80,100, got '" + v + "'");
        }
    }

    private static double rate(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return 0;
        }
        double d;
        try {
            d = Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a rate from 0 to 1, got '" + v + "'");
        }
        if (d < 0 || d > 1) {
            throw new IllegalArgumentException(name + " must be a rate from 0 to 1, got '" + v + "'");
        }
        return d;
    }

    /** How long a shutdown waits for requests in flight before cutting them ({@code SWITCHBOARD_SHUTDOWN_GRACE_SECONDS}). */
    public Duration shutdownGrace() {
        int seconds = integer(env, "SWITCHBOARD_SHUTDOWN_GRACE_SECONDS", DEFAULT_SHUTDOWN_GRACE_SECONDS);
        if (seconds < 0) {
            throw new IllegalArgumentException("SWITCHBOARD_SHUTDOWN_GRACE_SECONDS must be 0 or more, got " + seconds);
        }
        return Duration.ofSeconds(seconds);
    }

    /** Default fsync period of the usage journal: a machine crash loses at most this much of answered rows. */
    public static final int DEFAULT_USAGE_JOURNAL_FSYNC_MS = 1000;

    /**
     * How often the usage journal is forced to disk ({@code SWITCHBOARD_USAGE_JOURNAL_FSYNC_MS}): 0 before every answer,
     * -1 never (the operating system writes it back; a killed process still loses nothing). Null with
     * {@code SWITCHBOARD_USAGE_JOURNAL=off}: no journal.
     */
    public Duration usageJournalFsync() {
        if ("off".equalsIgnoreCase(get(env, "SWITCHBOARD_USAGE_JOURNAL", "on").trim())) {
            return null;
        }
        int ms = integer(env, "SWITCHBOARD_USAGE_JOURNAL_FSYNC_MS", DEFAULT_USAGE_JOURNAL_FSYNC_MS);
        if (ms < -1) {
            throw new IllegalArgumentException("SWITCHBOARD_USAGE_JOURNAL_FSYNC_MS must be -1 (never), 0 (every row) or a period in ms, got " + ms);
        }
        return Duration.ofMillis(ms);
    }

    /** An existing Artemis broker's URL ({@code SWITCHBOARD_JMS_URL}, e.g. {@code tcp://mq:61616}); null runs the embedded one. */
    public String jmsUrl() {
        return get(env, dev.switchboard.boot.JmsBroker.URL_ENV, null);
    }

    /** The address the embedded broker's TCP port binds to ({@code SWITCHBOARD_JMS_HOST}, loopback by default). */
    public String jmsHost() {
        return get(env, "SWITCHBOARD_JMS_HOST", "127.0.0.1");
    }

    @Override
    public String toString() {
        return "Settings[port=" + port + ", management=" + managementHost + ":" + managementPort + ", data=" + dataDir + "]";
    }
}
