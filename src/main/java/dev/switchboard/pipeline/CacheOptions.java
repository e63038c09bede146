package dev.switchboard.pipeline;

import java.time.Clock;
import javax.sql.DataSource;

/**
 * How the response cache is set up: its memory bound, the database of the shared tier (null on a single instance)
 * with that tier's size bound, and the clock its answers expire by.
 */
public record CacheOptions(long maxBytes, DataSource sharedDb, long sharedMaxBytes, Clock clock) {
}
