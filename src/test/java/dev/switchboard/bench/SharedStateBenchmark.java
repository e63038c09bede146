package dev.switchboard.bench;

import dev.switchboard.boot.Database;
import dev.switchboard.catalog.RateLimit;
import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.cluster.SharedConnections;
import dev.switchboard.recording.Attempt;
import dev.switchboard.recording.BudgetLedger;
import dev.switchboard.recording.UsageJournal;
import dev.switchboard.recording.UsageRecord;
import dev.switchboard.resilience.RateLimiters;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * What sharing state between instances costs one request: a budget reservation and its settlement in the database
 * (embedded HSQLDB file database, the default, or an embedded PostgreSQL) against the in-memory ledger; a rate-limit
 * take with the per-instance share; a usage row appended to the crash journal under each fsync policy.
 * Not a test: surefire skips {@code bench}. Run it as the README's "Benchmarks" paragraph says, with
 * {@code dev.switchboard.bench.SharedStateBenchmark} (about five minutes; {@code -t 4} for four threads on one agent).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class SharedStateBenchmark {
    /** A daily budget no run reaches, so every reservation fits. */
    private static final double BUDGET_USD = 1e9;
    private static final double WORST_USD = 0.01;
    private static final double ACTUAL_USD = 0.004;

    @State(Scope.Benchmark)
    public static class Budgets {
        @Param({"memory", "hsqldb", "postgresql"})
        public String store;
        BudgetLedger ledger;
        private EmbeddedPostgres postgres;
        private HikariDataSource pool;

        @Setup(Level.Trial)
        public void open() throws IOException {
            ledger = new BudgetLedger(Clock.systemUTC(), List::of, alert -> { });
            if (store.equals("memory")) {
                return;
            }
            Database db;
            String user;
            String password;
            if (store.equals("hsqldb")) {
                Path dir = Files.createTempDirectory("switchboard-bench-budget");
                user = "SA";
                password = "";
                db = new Database("jdbc:hsqldb:file:" + dir.resolve("db") + ";hsqldb.tx=mvcc", user, password);
            } else {
                postgres = EmbeddedPostgres.start();
                user = "postgres";
                password = "postgres";
                db = new Database(postgres.getJdbcUrl(user, "postgres"), user, password);
            }
            db.migrate();
            pool = SharedConnections.open(db.url(), user, password);
            ledger.shared(pool, "bench");
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            ledger.close();
            if (pool != null) {
                pool.close();
            }
            if (postgres != null) {
                postgres.close();
            }
        }
    }

    /** What a budgeted request waits for before its call: the worst case reserved. */
    @Benchmark
    public Object reserve(Budgets b) {
        return b.ledger.reserve("agent-1", BUDGET_USD, 0, WORST_USD);
    }

    /**
     * A budgeted request's whole part, run back to back: the reservation, then its settlement (which shared accounts
     * run off the response path on two threads; at this rate their queue fills and the caller settles too).
     */
    @Benchmark
    public Object reserveAndSettle(Budgets b) {
        BudgetLedger.Reservation r = (BudgetLedger.Reservation) b.ledger.reserve("agent-1", BUDGET_USD, 0, WORST_USD);
        b.ledger.settle(r, ACTUAL_USD, BUDGET_USD, 0);
        return r;
    }

    @State(Scope.Benchmark)
    public static class Limits {
        final RateLimiters limiters = new RateLimiters(System::nanoTime);
        /** Enough that no take is refused: the cost of a take, not of a refusal. */
        final RateLimit limit = new RateLimit(Integer.MAX_VALUE, 0);

        @Setup(Level.Trial)
        public void share() {
            limiters.sharedBy(() -> 3);
        }
    }

    /** One request's take from an agent's limit, as one of three instances sharing it. */
    @Benchmark
    public Object rateLimitShare(Limits l) {
        return l.limiters.tryAcquire("agent:agent-1", l.limit, 100);
    }

    @State(Scope.Benchmark)
    public static class Journal {
        /** -1: never forced (a killed process loses nothing); 1000: forced every second; 0: forced before every answer. */
        @Param({"-1", "1000", "0"})
        public int fsyncMs;
        UsageJournal journal;
        final AtomicLong ids = new AtomicLong();
        UsageRecord row;

        @Setup(Level.Trial)
        public void open() throws IOException {
            journal = UsageJournal.open(Files.createTempDirectory("switchboard-bench-journal"), Duration.ofMillis(fsyncMs));
            row = new UsageRecord("req-0", Instant.now(), "http", "chat", "agent-1", "gpt-4o-mini", "gpt-4o-mini", "openai",
                    "Default route", List.of(new Attempt("gpt-4o-mini", "openai", "ok", 420, 200)), 120, 80, 200, 0.00012, 430, 180,
                    200, "ok", null, false, List.of("team:support"), 0, 0, "chat", null, 0.00012);
        }

        @TearDown(Level.Trial)
        public void close() {
            journal.written(Integer.MAX_VALUE);
            journal.close();
        }
    }

    /** One answered request's usage row journaled before its answer goes out. */
    @Benchmark
    public void journalAppend(Journal j) {
        j.journal.append(j.row);
        j.journal.written(1); // as the writer would, so segments keep being deleted
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(SharedStateBenchmark.class.getSimpleName()).build()).run();
    }
}
