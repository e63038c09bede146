package dev.switchboard.routing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the rules decided for one request: the rules' only output, set through the global {@code decision}.
 * Created per request, not thread-safe. The name of the rule that routed or rejected is captured by an agenda
 * listener, so business users never type it.
 */
public final class Decision {
    private String model;
    private String chain;
    private String rule;
    private String rejection;
    private String currentRule;
    private Verdict verdict = Verdict.CHAIN_DECIDES;
    private final Map<String, Object> params = new LinkedHashMap<>();
    /** The rule that set each parameter: a template the catalog lost is blamed on it. */
    private final Map<String, String> paramRules = new LinkedHashMap<>();
    private final List<String> tags = new ArrayList<>();

    /** Send the request to {@code model}, falling back along the model's own fallback list. */
    public void route(String model) {
        route(model, null);
    }

    /** Send the request to {@code model}, falling back along the named chain of the catalog. */
    public void route(String model, String chain) {
        this.model = model;
        this.chain = chain;
        this.rule = currentRule;
    }

    /**
     * Set a request parameter ({@code "temperature"}, {@code "max_tokens"}...), overriding the caller's. The value must
     * be one the request's JSON can hold (a string, number, boolean, null, or a List/Map of them): anything else fails
     * the rule here, where it is cut off and reported, instead of every request it matches later.
     */
    public void set(String param, Object value) {
        if (param == null || !isPlain(value)) {
            throw new IllegalArgumentException("decision.set(\"" + param + "\", ...) takes a parameter name and a plain value "
                    + "(string, number, boolean, or a List/Map of them), got " + (value == null ? "null" : value.getClass().getSimpleName()));
        }
        params.put(param, value);
        paramRules.put(param, currentRule);
    }

    private static boolean isPlain(Object value) {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
            return true;
        }
        if (value instanceof Collection<?> list) {
            return list.stream().allMatch(Decision::isPlain);
        }
        return value instanceof Map<?, ?> map && map.keySet().stream().allMatch(String.class::isInstance)
                && map.values().stream().allMatch(Decision::isPlain);
    }

    /** Refuse the request with this reason (the caller gets 403 with it). */
    public void reject(String reason) {
        this.rejection = reason;
        this.rule = currentRule;
    }

    /** Label the request in its usage record; a null label fails the rule here rather than every request it matches. */
    public void tag(String label) {
        if (label == null) {
            throw new IllegalArgumentException("decision.tag(...) takes a label, got null");
        }
        tags.add(label);
    }

    /** After a failed attempt: move on to the next model even if the chain's retry conditions would not. */
    public void fallBack() {
        this.verdict = Verdict.FALL_BACK;
        this.rule = currentRule;
    }

    /** After a failed attempt: answer the caller with this failure now. */
    public void giveUp() {
        this.verdict = Verdict.GIVE_UP;
        this.rule = currentRule;
    }

    /** What rules said about a failed attempt. */
    public enum Verdict { CHAIN_DECIDES, FALL_BACK, GIVE_UP }

    public Verdict verdict() { return verdict; }

    void firing(String ruleName) {
        this.currentRule = ruleName;
    }

    public String model() { return model; }
    public String chain() { return chain; }
    public String rule() { return rule; }
    public String rejection() { return rejection; }
    public Map<String, Object> params() { return Collections.unmodifiableMap(params); }
    /** The rule that set {@code param}, if a rule did. */
    public String paramRule(String param) { return paramRules.get(param); }
    public List<String> tags() { return Collections.unmodifiableList(tags); }
}
