package dev.switchboard.catalog;

/**
 * A provider as the gateway will call it: its wire format ({@code type}), where, and with which key.
 * {@code enabled} is false when no key (or, for a local server, no base URL) was configured; then
 * {@code disabledReason} tells the operator what to set.
 */
public record ProviderSpec(String id, String type, String baseUrl, Secret apiKey, boolean enabled, String disabledReason,
                           RateLimit rateLimit) {

    public static final String SIMULATOR = "simulator";

    /** A provider with no limits of its own (its models may still have theirs). */
    public ProviderSpec(String id, String type, String baseUrl, Secret apiKey, boolean enabled, String disabledReason) {
        this(id, type, baseUrl, apiKey, enabled, disabledReason, RateLimit.NONE);
    }
}
