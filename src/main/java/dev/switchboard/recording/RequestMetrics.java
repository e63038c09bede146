package dev.switchboard.recording;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * Turns each finished request into Micrometer meters. Meters are cached by the registry per tag set, and every
 * tag set is a series kept until restart, so no tag value comes from the caller: a model the catalog does not
 * list (an ad-hoc {@code provider/model-id}) is counted in one bucket per provider, {@code <provider>/adhoc}.
 * Its usage row keeps the real id.
 */
public final class RequestMetrics {
    /** The model label of every ad-hoc model of a provider: {@code openai/adhoc}. */
    static final String AD_HOC_SUFFIX = "/adhoc";
    /** The agent label of callers without an agent key who named no agent. */
    static final String ANONYMOUS = "anonymous";
    /** The agent label of every caller that is not a known agent (anonymous callers may name any). */
    static final String OTHER = "other";

    private final MeterRegistry registry;
    private final Predicate<String> listed;
    private final Predicate<String> knownAgent;

    /**
     * {@code listed} says whether a model name is a catalog id, {@code knownAgent} whether a caller is an agent
     * the operator made: both bounded sets, so fit for labels.
     */
    public RequestMetrics(MeterRegistry registry, Predicate<String> listed, Predicate<String> knownAgent) {
        this.registry = registry;
        this.listed = listed;
        this.knownAgent = knownAgent;
    }

    public void record(UsageRecord r) {
        String provider = tagValue(r.provider());
        String model = modelLabel(r.model(), provider);
        Counter.builder(MetricNames.REQUESTS)
                .tags("model", model, "provider", provider, "status", Integer.toString(r.status()),
                        "entry", tagValue(r.entry()), "operation", tagValue(r.operation()))
                .register(registry).increment();
        Timer.builder(MetricNames.LATENCY).tags("model", model, "provider", provider)
                .publishPercentileHistogram().register(registry).record(Duration.ofMillis(r.latencyMs()));
        if (r.stream() && r.ttftMs() >= 0) {
            Timer.builder(MetricNames.TTFT).tags("model", model, "provider", provider)
                    .publishPercentileHistogram().register(registry).record(Duration.ofMillis(r.ttftMs()));
        }
        if (r.promptTokens() > 0) {
            Counter.builder(MetricNames.TOKENS).tags("model", model, "type", "prompt").register(registry).increment(r.promptTokens());
        }
        if (r.completionTokens() > 0) {
            Counter.builder(MetricNames.TOKENS).tags("model", model, "type", "completion").register(registry).increment(r.completionTokens());
        }
        if (r.costUsd() > 0) {
            Counter.builder(MetricNames.COST).tags("model", model).register(registry).increment(r.costUsd());
        }
        perAgent(r);
        for (Attempt a : r.attempts()) {
            Counter.builder(MetricNames.ATTEMPTS)
                    .tags("model", modelLabel(a.model(), tagValue(a.provider())), "provider", tagValue(a.provider()),
                            "outcome", a.outcome())
                    .register(registry).increment();
        }
    }

    private void perAgent(UsageRecord r) {
        String agent = r.caller() == null || r.caller().equals(ANONYMOUS) ? ANONYMOUS : knownAgent.test(r.caller()) ? r.caller() : OTHER;
        if (r.costUsd() > 0) {
            Counter.builder(MetricNames.AGENT_COST).tags("agent", agent).register(registry).increment(r.costUsd());
        }
        int[] tokens = {r.promptTokens(), r.completionTokens(), r.cachedTokens(), r.reasoningTokens()};
        String[] types = {"prompt", "completion", "cached", "reasoning"};
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] > 0) {
                Counter.builder(MetricNames.AGENT_TOKENS).tags("agent", agent, "type", types[i]).register(registry).increment(tokens[i]);
            }
        }
    }

    private String modelLabel(String model, String provider) {
        return model == null || model.isEmpty() || listed.test(model) ? tagValue(model) : provider + AD_HOC_SUFFIX;
    }

    private static String tagValue(String v) {
        return v == null || v.isEmpty() ? "none" : v;
    }
}
