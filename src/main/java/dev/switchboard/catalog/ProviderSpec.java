package dev.switchboard.catalog;

/**
 * A provider as the gateway will call it: its wire format ({@code type}), where, and with which key.
 * {@code enabled} is false when no key (or, for a local server, no base URL) was configured; then
 * {@code disabledReason} tells the operator what to set.
 */
public record ProviderSpec(String id, String type, String baseUrl, Secret apiKey, boolean enabled, String disabledReason) {

    public static final String SIMULATOR = "simulator";
}
