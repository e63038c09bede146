package dev.switchboard.cluster;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * A few pooled connections for the shared state's work on the request path (budget reservations) and its polls:
 * opening a PostgreSQL connection costs milliseconds, more than the statements themselves.
 */
public final class SharedConnections {
    /** Budget transactions are two or three statements long: a few connections serve many requests at once. */
    static final int POOL_SIZE = 8;
    /** A request waits at most this long for a connection before it is refused (budget_unavailable); ms. */
    static final long WAIT_MS = 5_000;

    private SharedConnections() {
    }

    public static HikariDataSource open(String url, String user, String password) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("switchboard-shared");
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(POOL_SIZE);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(WAIT_MS);
        return new HikariDataSource(config);
    }
}
