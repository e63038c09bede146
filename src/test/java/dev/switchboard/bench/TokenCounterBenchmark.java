package dev.switchboard.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.providers.Json;
import dev.switchboard.tokens.TokenCounter;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * How long counting a 2,000-token conversation takes (target: under 50 µs): a system prompt, a tool
 * definition, turns of prose and code, a tool call and its result. {@code resent}: the conversation as a chat
 * sends it again with its next turn (its earlier turns remembered); {@code firstSight}: every text new.
 * Not a test: surefire skips {@code bench}.
 * Run it (about two minutes) as the README's "Benchmarks" paragraph says, with {@code dev.switchboard.bench.TokenCounterBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TokenCounterBenchmark {
    static final int TARGET_TOKENS = 2_000;
    private static final String PROSE = "The gateway routes each request to the cheapest model that can answer it, "
            + "falls back when a provider fails, and records what every call cost. ";
    private static final String CODE = "for (int i = 0; i < items.size(); i++) { total += items.get(i).price() * 1.2; }\n";

    @Param({"O200K_BASE", "CL100K_BASE", "ANTHROPIC"})
    public TokenCounter.Scheme scheme;

    private ObjectNode body;
    /** Conversations counted per measured call of {@code firstSight}: one call a conversation would time mostly the timer. */
    static final int UNSEEN_BATCH = 1_000;

    private int turns;

    @Setup
    public void build() {
        turns = 0;
        while (TokenCounter.chatPrompt(conversation(turns, -1), TokenCounter.Scheme.O200K_BASE) < TARGET_TOKENS) {
            turns++;
        }
        body = conversation(turns, 0);
    }

    /**
     * Conversations no count has seen (never counted while built): made before each call of {@code firstSight},
     * outside the measured time (a state of its own, so {@code resent} has no such setup around its calls).
     */
    @State(Scope.Thread)
    public static class Unseen {
        final ObjectNode[] bodies = new ObjectNode[UNSEEN_BATCH];
        private long salt;

        @Setup(Level.Invocation)
        public void build(TokenCounterBenchmark shared) {
            for (int i = 0; i < UNSEEN_BATCH; i++) {
                bodies[i] = conversation(shared.turns, ++salt);
            }
        }
    }

    /** A conversation of {@code turns} turns after the tool call, each turn's text different from the others. */
    static ObjectNode conversation(int turns, long salt) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.putArray("tools").addObject().put("type", "function").putObject("function").put("name", "lookup_order")
                .put("description", "Finds an order by its number").putObject("parameters").put("type", "object")
                .putObject("properties").putObject("number").put("type", "string");
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", "You are a helpful support agent. " + PROSE);
        ObjectNode call = messages.addObject().put("role", "assistant");
        call.putArray("tool_calls").addObject().put("id", "call_" + salt).put("type", "function").putObject("function")
                .put("name", "lookup_order").put("arguments", "{\"number\":\"A-1042\"}");
        messages.addObject().put("role", "tool").put("tool_call_id", "call_1").put("content", "{\"status\":\"shipped\"}");
        for (int turn = 0; turn < turns; turn++) {
            String text = "Turn " + turn + " of " + salt + ": " + (turn % 2 == 0 ? PROSE.repeat(2) : CODE.repeat(2)).replace("i", "i" + turn);
            messages.addObject().put("role", turn % 2 == 0 ? "user" : "assistant").put("content", text);
        }
        return body;
    }

    @Benchmark
    public long resent() {
        return TokenCounter.chatPrompt(body, scheme);
    }

    @Benchmark
    @OperationsPerInvocation(UNSEEN_BATCH)
    public long firstSight(Unseen unseen) {
        long tokens = 0;
        for (ObjectNode body : unseen.bodies) {
            tokens += TokenCounter.chatPrompt(body, scheme);
        }
        return tokens;
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(TokenCounterBenchmark.class.getSimpleName()).build()).run();
    }
}
