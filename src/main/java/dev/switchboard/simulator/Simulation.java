package dev.switchboard.simulator;

/** What the built-in simulator does: latency before answering, and how often it misbehaves on purpose (0..1). */
public record Simulation(long latencyMs, double errorRate, double rateLimitRate, double hangRate, double cutRate) {
}
