package dev.switchboard.catalog;

import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a caller without an agent key is served: one policy, decided from the catalog in force at each request
 * (not from how the gateway started), so a key added through the API closes the door at once and deleting the
 * last agent opens nothing.
 * <ul>
 *   <li>{@code SWITCHBOARD_ALLOW_ANONYMOUS=true} or {@code false}, or the global setting {@code allowAnonymous} that
 *       overrides it at runtime: that, always.</li>
 *   <li>Unset, and no provider has a real key (the simulator, or keyless local servers only): everyone.</li>
 *   <li>Unset, and some provider has a key: only callers on this machine, so the README's first curl works while
 *       nobody on the network spends the keys. "This machine" is a loopback TCP peer, or a JMS client when the
 *       embedded broker listens on loopback only (not an external broker, nor one bound beyond loopback);
 *       {@code SWITCHBOARD_ANONYMOUS_TRUSTED=none} trusts no one.</li>
 * </ul>
 */
public final class AnonymousAccess {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard");
    public static final String ALLOW_ENV = "SWITCHBOARD_ALLOW_ANONYMOUS";
    public static final String TRUSTED_ENV = "SWITCHBOARD_ANONYMOUS_TRUSTED";

    /** Which callers count as "on this machine" when a real key is at stake. */
    public enum Trusted {
        /** Loopback TCP peers and JMS clients of the loopback-only broker (the default). */
        LOOPBACK,
        /** No one: every unkeyed caller is treated as remote (tests use it to play a caller from the network). */
        NONE
    }

    /** The effective policy. */
    public enum Allowed {
        YES, LOCAL_ONLY, NO;

        /** The value shown in /health: yes, loopback-only, no. */
        public String label() {
            return this == LOCAL_ONLY ? "loopback-only" : name().toLowerCase(Locale.ROOT);
        }
    }

    /** What is allowed now and why, in words an operator can act on. */
    public record Policy(Allowed allowed, String reason) {
        public boolean admits(boolean localCaller) {
            return allowed == Allowed.YES || allowed == Allowed.LOCAL_ONLY && localCaller;
        }
    }

    /** The explicit setting, read at each request (it may change at runtime); null when unset. */
    private final Supplier<Boolean> configured;
    /** Where the explicit setting comes from, for the reason shown in /health. */
    private final Supplier<String> origin;
    private final Trusted trusted;
    private final boolean jmsClientsAreLocal;
    private final Supplier<Catalog> catalog;

    /**
     * {@code configured} is {@code SWITCHBOARD_ALLOW_ANONYMOUS} or its runtime override, null when neither is set, read at
     * each request; {@code origin} names where it comes from; {@code jmsClientsAreLocal} whether the JMS broker takes
     * clients of this machine only.
     */
    public AnonymousAccess(Supplier<Boolean> configured, Supplier<String> origin, Trusted trusted, boolean jmsClientsAreLocal,
                           Supplier<Catalog> catalog) {
        this.configured = configured;
        this.origin = origin;
        this.trusted = trusted;
        this.jmsClientsAreLocal = jmsClientsAreLocal;
        this.catalog = catalog;
    }

    /** The policy for the catalog in force now. */
    public Policy current() {
        return decide(catalog.get());
    }

    /** Whether an unkeyed caller is served now; {@code localCaller} says whether it connected from this machine. */
    public boolean admits(boolean localCaller) {
        return current().admits(localCaller);
    }

    /** Whether a JMS client is on this machine: only when the broker is the embedded one, on loopback. */
    public boolean jmsClientsAreLocal() {
        return jmsClientsAreLocal;
    }

    /** Logs the policy at start. */
    public void logCurrent() {
        Policy p = current();
        LOG.info("Callers without an agent key: {} ({})", p.allowed().label(), p.reason());
    }

    /** Logs a change of the effective policy caused by a catalog change (a key added, rotated, a provider removed). */
    public void logChange(Catalog before, Catalog after) {
        Policy was = decide(before);
        Policy now = decide(after);
        if (!was.equals(now)) {
            LOG.warn("Callers without an agent key: now {} ({}), was {}", now.allowed().label(), now.reason(), was.allowed().label());
        }
    }

    Policy decide(Catalog c) {
        Boolean set = configured.get();
        if (set != null) {
            return set ? new Policy(Allowed.YES, origin.get() + "=true")
                    : new Policy(Allowed.NO, origin.get() + "=false: agents only");
        }
        List<String> keyed = keyedProviders(c);
        if (keyed.isEmpty()) {
            return new Policy(Allowed.YES, "no provider has a real key, nothing to spend");
        }
        String why = "provider key(s) configured for " + String.join(", ", keyed);
        return trusted == Trusted.NONE
                ? new Policy(Allowed.NO, why + "; " + TRUSTED_ENV + "=none trusts no address")
                : new Policy(Allowed.LOCAL_ONLY, why + "; served to callers on this machine only, " + ALLOW_ENV + "=true|false overrides");
    }

    /** Providers that would call with a real key: enabled, not the simulator, with a key (from the environment or the API). */
    private static List<String> keyedProviders(Catalog c) {
        return c.providers().stream()
                .filter(p -> p.enabled() && p.apiKey() != null && !ProviderSpec.SIMULATOR.equals(p.id()))
                .map(ProviderSpec::id).sorted().toList();
    }
}
