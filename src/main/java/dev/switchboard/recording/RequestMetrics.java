package dev.switchboard.recording;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/** Turns each finished request into Micrometer meters. Meters are cached by the registry per tag set. */
public final class RequestMetrics {
    private final MeterRegistry registry;

    public RequestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void record(UsageRecord r) {
        String model = tagValue(r.model());
        String provider = tagValue(r.provider());
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
        for (Attempt a : r.attempts()) {
            Counter.builder(MetricNames.ATTEMPTS)
                    .tags("model", tagValue(a.model()), "provider", tagValue(a.provider()), "outcome", a.outcome())
                    .register(registry).increment();
        }
    }

    private static String tagValue(String v) {
        return v == null || v.isEmpty() ? "none" : v;
    }
}
