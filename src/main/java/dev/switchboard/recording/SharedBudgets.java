package dev.switchboard.recording;

import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Budgets kept in the database, so every instance sharing it holds the same cap: a reservation is one conditional
 * {@code UPDATE ... WHERE spent + reserved + amount <= limit} whose row count says whether it fit (the database
 * serialises concurrent ones on the agent's row), plus a hold row naming the instance, so what an instance dies
 * holding is given back. Settling takes the hold back and adds the actual cost in one transaction.
 */
final class SharedBudgets {
    private static final Logger LOG = LoggerFactory.getLogger(SharedBudgets.class);
    /** A missing limit compares as this: any spend fits under it. */
    private static final double NO_LIMIT = Double.MAX_VALUE;
    /** A reservation tries at most this often: once, then after creating the agent's row or starting a new day or month. */
    private static final int MAX_TRIES = 3;
    /** SQLState class of a transaction the database rolled back (serialization failure, deadlock): safe to retry. */
    private static final String TRANSACTION_ROLLBACK = "40";

    private final DataSource db;
    private final String instanceId;

    SharedBudgets(DataSource db, String instanceId) {
        this.db = db;
        this.instanceId = instanceId;
    }

    /** The agent's row as read back when a reservation did not fit. */
    record Account(LocalDate dayStart, double daySpent, LocalDate monthStart, double monthSpent, double reserved) {
    }

    /** What a reservation came to: its hold id when it fit, else the account that refused it. */
    record Outcome(String holdId, Account refusedBy) {
    }

    Outcome reserve(String agent, double dailyLimit, double monthlyLimit, double amountUsd, LocalDate today) throws SQLException {
        return retried(() -> reserveOnce(agent, dailyLimit, monthlyLimit, amountUsd, today));
    }

    private Outcome reserveOnce(String agent, double dailyLimit, double monthlyLimit, double amountUsd, LocalDate today) throws SQLException {
        LocalDate month = today.withDayOfMonth(1);
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                for (int attempt = 0; attempt < MAX_TRIES; attempt++) {
                    if (take(c, agent, dailyLimit, monthlyLimit, amountUsd, today, month)) {
                        String hold = UUID.randomUUID().toString();
                        try (PreparedStatement in = c.prepareStatement(
                                "INSERT INTO budget_hold (id, agent, amount_usd, instance_id) VALUES (?, ?, ?, ?)")) {
                            in.setString(1, hold);
                            in.setString(2, agent);
                            in.setDouble(3, amountUsd);
                            in.setString(4, instanceId);
                            in.executeUpdate();
                        }
                        c.commit();
                        return new Outcome(hold, null);
                    }
                    Account account = read(c, agent);
                    if (account == null) {
                        create(c, agent, today, month);
                    } else if (account.dayStart().isBefore(today) || account.monthStart().isBefore(month)) {
                        roll(c, agent, today, month);
                    } else {
                        c.commit();
                        return new Outcome(null, account);
                    }
                }
                c.commit();
                return new Outcome(null, read(c, agent));
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private static boolean take(Connection c, String agent, double dailyLimit, double monthlyLimit, double amount, LocalDate today,
                                LocalDate month) throws SQLException {
        try (PreparedStatement up = c.prepareStatement("UPDATE budget_account SET reserved_usd = reserved_usd + ? "
                + "WHERE agent = ? AND day_start = ? AND month_start = ? "
                + "AND day_spent_usd + reserved_usd + ? <= ? AND month_spent_usd + reserved_usd + ? <= ?")) {
            up.setDouble(1, amount);
            up.setString(2, agent);
            up.setDate(3, Date.valueOf(today));
            up.setDate(4, Date.valueOf(month));
            up.setDouble(5, amount);
            up.setDouble(6, dailyLimit > 0 ? dailyLimit : NO_LIMIT);
            up.setDouble(7, amount);
            up.setDouble(8, monthlyLimit > 0 ? monthlyLimit : NO_LIMIT);
            return up.executeUpdate() == 1;
        }
    }

    /**
     * The agent's first reservation on this database: its spend this day and month from the daily rollups (which outlive
     * the raw rows), as a single instance restores it at start. Another instance creating it at the same moment wins.
     */
    private static void create(Connection c, String agent, LocalDate today, LocalDate month) throws SQLException {
        double day = spentSince(c, agent, today);
        double monthly = spentSince(c, agent, month);
        try (PreparedStatement in = c.prepareStatement("INSERT INTO budget_account (agent, day_start, day_spent_usd, day_alerted, "
                + "month_start, month_spent_usd, month_alerted, reserved_usd) VALUES (?, ?, ?, 0, ?, ?, 0, 0)")) {
            in.setString(1, agent);
            in.setDate(2, Date.valueOf(today));
            in.setDouble(3, day);
            in.setDate(4, Date.valueOf(month));
            in.setDouble(5, monthly);
            in.executeUpdate();
        } catch (SQLException raced) {
            c.rollback(); // the row exists now: the next try takes from it
        }
    }

    private static double spentSince(Connection c, String agent, LocalDate since) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT SUM(cost_usd) FROM usage_daily WHERE agent = ? AND period_start >= ?")) {
            s.setString(1, agent);
            s.setTimestamp(2, Timestamp.from(since.atStartOfDay(ZoneOffset.UTC).toInstant()));
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getDouble(1) : 0;
            }
        }
    }

    /** A new UTC day (or month) starts from zero; reservations in flight stay held. Only forward: clocks differ a little. */
    private static void roll(Connection c, String agent, LocalDate today, LocalDate month) throws SQLException {
        try (PreparedStatement day = c.prepareStatement("UPDATE budget_account SET day_start = ?, day_spent_usd = 0, day_alerted = 0 "
                + "WHERE agent = ? AND day_start < ?")) {
            day.setDate(1, Date.valueOf(today));
            day.setString(2, agent);
            day.setDate(3, Date.valueOf(today));
            day.executeUpdate();
        }
        try (PreparedStatement m = c.prepareStatement("UPDATE budget_account SET month_start = ?, month_spent_usd = 0, month_alerted = 0 "
                + "WHERE agent = ? AND month_start < ?")) {
            m.setDate(1, Date.valueOf(month));
            m.setString(2, agent);
            m.setDate(3, Date.valueOf(month));
            m.executeUpdate();
        }
    }

    private static Account read(Connection c, String agent) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT day_start, day_spent_usd, month_start, month_spent_usd, reserved_usd "
                + "FROM budget_account WHERE agent = ?")) {
            s.setString(1, agent);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? new Account(rs.getDate(1).toLocalDate(), rs.getDouble(2), rs.getDate(3).toLocalDate(), rs.getDouble(4),
                        rs.getDouble(5)) : null;
            }
        }
    }

    /**
     * The agent's spend this day and month: from its account, zero for a day or month the account has not reached yet;
     * from the daily rollups while it has no account (no reservation yet on this database).
     */
    BudgetLedger.Spent spent(String agent, LocalDate today) throws SQLException {
        try (Connection c = db.getConnection()) {
            Account a = read(c, agent);
            if (a == null) {
                return new BudgetLedger.Spent(spentSince(c, agent, today), spentSince(c, agent, today.withDayOfMonth(1)));
            }
            return new BudgetLedger.Spent(a.dayStart().equals(today) ? a.daySpent() : 0,
                    a.monthStart().equals(today.withDayOfMonth(1)) ? a.monthSpent() : 0);
        }
    }

    /**
     * Gives the hold back and adds the actual cost; returns the spend after it, for the alerts. A hold already given
     * back (its instance was taken for dead) still adds the cost.
     */
    BudgetLedger.Spent settle(String agent, String holdId, double heldUsd, double actualUsd, LocalDate today) throws SQLException {
        return retried(() -> settleOnce(agent, holdId, heldUsd, actualUsd, today));
    }

    /** One transaction of work that the database may roll back under contention. */
    @FunctionalInterface
    private interface Transaction<T> {
        T run() throws SQLException;
    }

    /** Runs it again when two transactions on one agent's row made the database roll this one back (safe: nothing of it stayed). */
    private static <T> T retried(Transaction<T> work) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                return work.run();
            } catch (SQLException e) {
                if (attempt >= MAX_TRIES || e.getSQLState() == null || !e.getSQLState().startsWith(TRANSACTION_ROLLBACK)) {
                    throw e;
                }
            }
        }
    }

    /** The account row first, then the hold, in the order a reservation takes them, so the two never wait on each other. */
    private BudgetLedger.Spent settleOnce(String agent, String holdId, double heldUsd, double actualUsd, LocalDate today) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement up = c.prepareStatement("UPDATE budget_account SET reserved_usd = reserved_usd - ?, "
                        + "day_spent_usd = day_spent_usd + ?, month_spent_usd = month_spent_usd + ? WHERE agent = ?")) {
                    up.setDouble(1, heldUsd);
                    up.setDouble(2, actualUsd);
                    up.setDouble(3, actualUsd);
                    up.setString(4, agent);
                    up.executeUpdate();
                }
                if (!deleteHold(c, holdId)) {
                    // Given back already (this instance was taken for dead): only the cost is added.
                    try (PreparedStatement back = c.prepareStatement("UPDATE budget_account SET reserved_usd = reserved_usd + ? WHERE agent = ?")) {
                        back.setDouble(1, heldUsd);
                        back.setString(2, agent);
                        back.executeUpdate();
                    }
                }
                Account a = read(c, agent);
                c.commit();
                return a == null ? new BudgetLedger.Spent(0, 0) : new BudgetLedger.Spent(a.dayStart().equals(today) ? a.daySpent() : 0,
                        a.monthStart().equals(today.withDayOfMonth(1)) ? a.monthSpent() : 0);
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private static boolean deleteHold(Connection c, String holdId) throws SQLException {
        try (PreparedStatement d = c.prepareStatement("DELETE FROM budget_hold WHERE id = ?")) {
            d.setString(1, holdId);
            return d.executeUpdate() == 1;
        }
    }

    /** Deletes the hold; what it held, 0 when it was already gone. */
    private static double release(Connection c, String holdId) throws SQLException {
        double amount;
        try (PreparedStatement s = c.prepareStatement("SELECT amount_usd FROM budget_hold WHERE id = ?")) {
            s.setString(1, holdId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return 0;
                }
                amount = rs.getDouble(1);
            }
        }
        try (PreparedStatement d = c.prepareStatement("DELETE FROM budget_hold WHERE id = ?")) {
            d.setString(1, holdId);
            return d.executeUpdate() == 1 ? amount : 0;
        }
    }

    /**
     * Marks {@code percent} of a budget as alerted once across every instance: true for the one instance whose update
     * moved it (that instance raises the alert).
     */
    boolean claimAlert(String agent, String budget, int percent) throws SQLException {
        String column = "daily".equals(budget) ? "day_alerted" : "month_alerted";
        try (Connection c = db.getConnection();
             PreparedStatement up = c.prepareStatement("UPDATE budget_account SET " + column + " = ? WHERE agent = ? AND " + column + " < ?")) {
            up.setInt(1, percent);
            up.setString(2, agent);
            up.setInt(3, percent);
            return up.executeUpdate() == 1;
        }
    }

    /**
     * Gives back the holds of instances silent since {@code silentSinceMs} (killed, or gone without closing), and of
     * this instance's previous life under the same id (at start). Each hold is taken back at most once.
     */
    int releaseHolds(long silentSinceMs, boolean ownPreviousLife) throws SQLException {
        String sql = ownPreviousLife ? "SELECT id, agent FROM budget_hold WHERE instance_id = ?"
                : "SELECT h.id, h.agent FROM budget_hold h LEFT JOIN switchboard_instance i ON h.instance_id = i.id "
                        + "WHERE i.id IS NULL OR i.heartbeat_ms < ?";
        List<String[]> holds = new ArrayList<>();
        try (Connection c = db.getConnection()) {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                if (ownPreviousLife) {
                    s.setString(1, instanceId);
                } else {
                    s.setLong(1, silentSinceMs);
                }
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        holds.add(new String[] {rs.getString(1), rs.getString(2)});
                    }
                }
            }
            c.setAutoCommit(false);
            for (String[] hold : holds) {
                try (PreparedStatement up = c.prepareStatement("UPDATE budget_account SET reserved_usd = reserved_usd - ? WHERE agent = ?")) {
                    up.setDouble(1, release(c, hold[0]));
                    up.setString(2, hold[1]);
                    up.executeUpdate();
                }
                c.commit();
            }
        }
        if (!holds.isEmpty()) {
            LOG.info("Budgets: {} reservation(s) of {} given back", holds.size(), ownPreviousLife ? "this instance's previous run" : "dead instances");
        }
        return holds.size();
    }
}
