package dev.switchboard.recording;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Agents' spend against their daily and monthly budgets (UTC). Before a call the worst-case cost is reserved;
 * afterwards the actual cost settles it, so concurrent requests cannot overspend: a request that cannot fit is
 * refused before any provider is called. Spend survives a restart because it is rebuilt from the usage rows.
 * With {@link #shared} the accounts live in the database instead, so instances sharing it share one cap.
 */
public final class BudgetLedger implements AutoCloseable {
    /** Alert when spend crosses these shares of a budget (percent). */
    public static final List<Integer> DEFAULT_ALERT_PERCENTS = List.of(50, 80, 100);

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BudgetLedger.class);
    private final Map<String, Account> accounts = new ConcurrentHashMap<>();
    private final Clock clock;
    /** Read at each settlement: the thresholds may change at runtime. */
    private final java.util.function.Supplier<List<Integer>> alertPercents;
    private final Consumer<Alert> alerts;
    /** The accounts in the database, when shared; null keeps them in this instance's memory. */
    private SharedBudgets shared;
    /** Settles shared accounts off the response path; a full queue settles on the caller's thread. */
    private java.util.concurrent.ThreadPoolExecutor settler;
    /** Threads settling shared accounts: each holds one pooled connection for a short transaction. */
    private static final int SETTLE_THREADS = 2;
    /** Settlements waiting at most (about the requests in flight); beyond, the request's own thread settles. */
    private static final int SETTLE_QUEUE = 10_000;

    /** {@code alertPercents} is read at each settlement (ascending). */
    public BudgetLedger(Clock clock, java.util.function.Supplier<List<Integer>> alertPercents, Consumer<Alert> alerts) {
        this.clock = clock;
        this.alertPercents = alertPercents;
        this.alerts = alerts;
    }

    /** A budget crossing one of its alert thresholds. */
    public record Alert(String agent, String budget, int percent, double spentUsd, double limitUsd, Instant at) {
    }

    /** A request that cannot fit: which budget, how much is spent, and when it resets. */
    public record Refusal(String budget, double limitUsd, double spentUsd, Instant resetsAt) {
    }

    /** Money held for one request until it settles; {@code hold} names its row when budgets are shared. */
    public record Reservation(String agent, double amountUsd, String hold) {
    }

    /**
     * Keeps the accounts in {@code db} (tables budget_account and budget_hold), one cap for every instance sharing it;
     * {@code instanceId} marks this instance's holds. Call before the first request.
     */
    public BudgetLedger shared(javax.sql.DataSource db, String instanceId) {
        this.shared = new SharedBudgets(db, instanceId);
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        this.settler = new java.util.concurrent.ThreadPoolExecutor(SETTLE_THREADS, SETTLE_THREADS, 0, java.util.concurrent.TimeUnit.SECONDS,
                new java.util.concurrent.ArrayBlockingQueue<>(SETTLE_QUEUE), r -> {
                    Thread t = new Thread(r, "budget-settle-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new java.util.concurrent.ThreadPoolExecutor.CallerRunsPolicy());
        return this;
    }

    /** Settles what is queued, then stops (before the database closes). */
    @Override
    public void close() {
        if (settler != null) {
            settler.shutdown();
            try {
                settler.awaitTermination(SETTLE_DRAIN.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** How long closing waits for queued settlements; what is left stays held until this instance's restart gives it back. */
    private static final java.time.Duration SETTLE_DRAIN = java.time.Duration.ofSeconds(10);

    /**
     * Gives back the reservations of instances silent since {@code silentSinceMs} ({@code ownPreviousLife}: those this
     * instance held before a crash, at start); the count given back. Nothing to do when budgets are not shared.
     */
    public int releaseHolds(long silentSinceMs, boolean ownPreviousLife) {
        if (shared == null) {
            return 0;
        }
        try {
            return shared.releaseHolds(silentSinceMs, ownPreviousLife);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("budget holds not released: " + e.getMessage(), e);
        }
    }

    /** Spend already made this day and month (from the usage rows), applied once at start; shared accounts restore themselves. */
    public void restore(String agent, double todayUsd, double thisMonthUsd) {
        if (shared != null) {
            return;
        }
        Account a = account(agent);
        synchronized (a) {
            a.roll(clock);
            a.day = todayUsd;
            a.month = thisMonthUsd;
        }
    }

    /** What an agent has spent (settled) this UTC day and month. */
    public record Spent(double dayUsd, double monthUsd) {
    }

    public Spent spent(String agent) {
        if (shared != null) {
            try {
                return shared.spent(agent, today());
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException("budget database unavailable: " + e.getMessage(), e);
            }
        }
        Account a = account(agent);
        synchronized (a) {
            a.roll(clock);
            return new Spent(a.day, a.month);
        }
    }

    /** Holds {@code worstCaseUsd} against the agent's budgets, or says which budget it would break. */
    public Object reserve(String agent, double dailyLimit, double monthlyLimit, double worstCaseUsd) {
        if (dailyLimit <= 0 && monthlyLimit <= 0) {
            return new Reservation(agent, 0, null);
        }
        if (shared != null) {
            return reserveShared(agent, dailyLimit, monthlyLimit, worstCaseUsd);
        }
        Account a = account(agent);
        synchronized (a) {
            a.roll(clock);
            if (dailyLimit > 0 && a.day + a.reserved + worstCaseUsd > dailyLimit) {
                return new Refusal("daily", dailyLimit, a.day, a.today.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC));
            }
            if (monthlyLimit > 0 && a.month + a.reserved + worstCaseUsd > monthlyLimit) {
                return new Refusal("monthly", monthlyLimit, a.month, a.thisMonth.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC));
            }
            a.reserved += worstCaseUsd;
            return new Reservation(agent, worstCaseUsd, null);
        }
    }

    /** With the database away a budgeted request is refused (503): the cap holds rather than the traffic. */
    private Object reserveShared(String agent, double dailyLimit, double monthlyLimit, double worstCaseUsd) {
        LocalDate today = today();
        SharedBudgets.Outcome outcome;
        try {
            outcome = shared.reserve(agent, dailyLimit, monthlyLimit, worstCaseUsd, today);
        } catch (java.sql.SQLException e) {
            throw new dev.switchboard.api.GatewayError(503, "server_error", "budget_unavailable", null,
                    "Agent '" + agent + "' has a budget and the budget database cannot be reached; retry shortly").withRetryAfter(1);
        }
        if (outcome.holdId() != null) {
            return new Reservation(agent, worstCaseUsd, outcome.holdId());
        }
        SharedBudgets.Account a = outcome.refusedBy();
        double reserved = a == null ? 0 : a.reserved();
        double monthSpent = a == null ? 0 : a.monthSpent();
        // The account is read after the refusal, so requests settled in between may make it look as if it fits: the
        // daily budget is named unless only the monthly one is set or is the one still broken.
        boolean monthlyBroken = monthlyLimit > 0 && monthSpent + reserved + worstCaseUsd > monthlyLimit;
        if (dailyLimit > 0 && !monthlyBroken) {
            return new Refusal("daily", dailyLimit, a == null ? 0 : a.daySpent(), today.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC));
        }
        return new Refusal("monthly", monthlyLimit, monthSpent, today.withDayOfMonth(1).plusMonths(1).atStartOfDay().toInstant(ZoneOffset.UTC));
    }

    private LocalDate today() {
        return LocalDate.now(clock.withZone(ZoneOffset.UTC));
    }

    /** Replaces the reservation with the actual cost, and raises the alerts it crosses. */
    public void settle(Reservation reservation, double actualUsd, double dailyLimit, double monthlyLimit) {
        if (shared != null && reservation.hold() != null) {
            // Off the response path: until it runs the hold stays, which only keeps the cap stricter a moment longer.
            settler.execute(() -> settleShared(reservation, actualUsd, dailyLimit, monthlyLimit));
            return;
        }
        Account a = account(reservation.agent());
        Alert[] raised;
        synchronized (a) {
            a.roll(clock);
            a.reserved = Math.max(0, a.reserved - reservation.amountUsd());
            a.day += actualUsd;
            a.month += actualUsd;
            raised = new Alert[] {crossed(a, a.day, dailyLimit, "daily", a.dailyAlerts), crossed(a, a.month, monthlyLimit, "monthly", a.monthlyAlerts)};
        }
        for (Alert alert : raised) {
            if (alert != null) {
                alerts.accept(alert);
            }
        }
    }

    /**
     * A settle that fails (the database away) is logged: the hold stays until this instance restarts or is taken for dead,
     * which only makes the cap stricter meanwhile.
     */
    private void settleShared(Reservation reservation, double actualUsd, double dailyLimit, double monthlyLimit) {
        String agent = reservation.agent();
        try {
            Spent after = shared.settle(agent, reservation.hold(), reservation.amountUsd(), actualUsd, today());
            if (actualUsd <= 0) {
                return;
            }
            alertOnce(agent, "daily", after.dayUsd(), dailyLimit);
            alertOnce(agent, "monthly", after.monthUsd(), monthlyLimit);
        } catch (java.sql.SQLException e) {
            LOG.warn("Budget of agent '{}' not settled (the database is away; "
                    + "its ${} stays held): {}", agent, reservation.amountUsd(), e.getMessage());
        }
    }

    /** Raises the highest threshold {@code spent} reached unless some instance already raised it. */
    private void alertOnce(String agent, String budget, double spent, double limit) throws java.sql.SQLException {
        int percent = highestCrossed(spent, limit);
        if (percent > 0 && shared.claimAlert(agent, budget, percent)) {
            alerts.accept(new Alert(agent, budget, percent, spent, limit, clock.instant()));
        }
    }

    /** The highest alert threshold {@code spent} has reached, 0 for none. */
    private int highestCrossed(double spent, double limit) {
        int highest = 0;
        for (int percent : alertPercents.get()) {
            if (limit > 0 && spent * 100 >= percent * limit) {
                highest = Math.max(highest, percent);
            }
        }
        return highest;
    }

    private Alert crossed(Account a, double spent, double limit, String budget, Set<Integer> done) {
        if (limit <= 0) {
            return null;
        }
        Alert highest = null;
        for (int percent : alertPercents.get()) {
            if (spent * 100 >= percent * limit && done.add(percent)) {
                highest = new Alert(a.agent, budget, percent, spent, limit, clock.instant());
            }
        }
        return highest;
    }

    private Account account(String agent) {
        return accounts.computeIfAbsent(agent, Account::new);
    }

    private static final class Account {
        final String agent;
        LocalDate today;
        YearMonth thisMonth;
        double day;
        double month;
        double reserved;
        final Set<Integer> dailyAlerts = new TreeSet<>();
        final Set<Integer> monthlyAlerts = new TreeSet<>();

        Account(String agent) {
            this.agent = agent;
        }

        /** A new UTC day or month starts its budget from zero. */
        void roll(Clock clock) {
            LocalDate now = LocalDate.now(clock.withZone(ZoneOffset.UTC));
            if (!now.equals(today)) {
                today = now;
                day = 0;
                dailyAlerts.clear();
            }
            YearMonth m = YearMonth.from(now);
            if (!m.equals(thisMonth)) {
                thisMonth = m;
                month = 0;
                monthlyAlerts.clear();
            }
        }
    }
}
