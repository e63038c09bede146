package dev.switchboard.catalog;

/** Requests and tokens per minute; 0 means no limit of that kind. */
public record RateLimit(int requestsPerMinute, int tokensPerMinute) {
    public static final RateLimit NONE = new RateLimit(0, 0);

    public boolean limited() {
        return requestsPerMinute > 0 || tokensPerMinute > 0;
    }
}
