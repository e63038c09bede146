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
 */
public final class BudgetLedger {
    /** Alert when spend crosses these shares of a budget (percent). */
    public static final List<Integer> DEFAULT_ALERT_PERCENTS = List.of(50, 80, 100);

    private final Map<String, Account> accounts = new ConcurrentHashMap<>();
    private final Clock clock;
    /** Read at each settlement: the thresholds may change at runtime. */
    private final java.util.function.Supplier<List<Integer>> alertPercents;
    private final Consumer<Alert> alerts;

    public BudgetLedger(Clock clock, List<Integer> alertPercents, Consumer<Alert> alerts) {
        this(clock, fixed(List.copyOf(alertPercents)), alerts);
    }

    /** As above, with the thresholds read at each settlement (ascending). */
    public BudgetLedger(Clock clock, java.util.function.Supplier<List<Integer>> alertPercents, Consumer<Alert> alerts) {
        this.clock = clock;
        this.alertPercents = alertPercents;
        this.alerts = alerts;
    }

    private static java.util.function.Supplier<List<Integer>> fixed(List<Integer> percents) {
        return () -> percents;
    }

    /** A budget crossing one of its alert thresholds. */
    public record Alert(String agent, String budget, int percent, double spentUsd, double limitUsd, Instant at) {
    }

    /** A request that cannot fit: which budget, how much is spent, and when it resets. */
    public record Refusal(String budget, double limitUsd, double spentUsd, Instant resetsAt) {
    }

    /** Money held for one request until it settles. */
    public record Reservation(String agent, double amountUsd) {
    }

    /** Spend already made this day and month (from the usage rows), applied once at start. */
    public void restore(String agent, double todayUsd, double thisMonthUsd) {
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
        Account a = account(agent);
        synchronized (a) {
            a.roll(clock);
            return new Spent(a.day, a.month);
        }
    }

    /** Holds {@code worstCaseUsd} against the agent's budgets, or says which budget it would break. */
    public Object reserve(String agent, double dailyLimit, double monthlyLimit, double worstCaseUsd) {
        if (dailyLimit <= 0 && monthlyLimit <= 0) {
            return new Reservation(agent, 0);
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
            return new Reservation(agent, worstCaseUsd);
        }
    }

    /** Replaces the reservation with the actual cost, and raises the alerts it crosses. */
    public void settle(Reservation reservation, double actualUsd, double dailyLimit, double monthlyLimit) {
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
