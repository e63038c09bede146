package dev.switchboard.cluster;

import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.boot.Database;

/**
 * A few pooled connections for the shared state's work on the request path (budget reservations) and its polls:
 * opening a PostgreSQL connection costs milliseconds, more than the statements themselves.
 */
public final class SharedConnections {
    /** Budget transactions are two or three statements long: a few connections serve many requests at once. */
    static final int POOL_SIZE = 8;

    private SharedConnections() {
    }

    public static HikariDataSource open(String url, String user, String password) {
        // Separate from the database's own pool so the usage writer's batches never hold up a budget reservation.
        return Database.pool("switchboard-shared", url, user, password, POOL_SIZE, 1);
    }
}
