package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.GatewayError;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.ChainSpec;
import dev.switchboard.catalog.ModelSpec;
import dev.switchboard.providers.ProviderAdapter;
import dev.switchboard.resilience.RetryPolicy;
import dev.switchboard.routing.Decision;
import dev.switchboard.routing.FailedAttempt;
import dev.switchboard.routing.RulesHolder;
import dev.switchboard.simulator.Simulation;
import dev.switchboard.simulator.Simulator;
import dev.switchboard.simulator.Simulator.Forced;
import io.vertx.core.Vertx;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * "Test a chain": walks a chain (a catalog one, or a draft from the chain builder) with a failure chosen for each
 * attempt of each model, and returns the attempt timeline. Each attempt is a real HTTP call to a simulator of its
 * own (loopback, no misbehaviour of its own: the script decides), answered and classified as a provider's would be;
 * the decisions are the real ones ({@link RetryPolicy} with the chain's conditions, attempt budget and deadline, and
 * the rules on {@code FailedAttempt}). No real provider is called, no breaker, health entry, limiter or budget is
 * touched and nothing is recorded as traffic. Waits (backoff, Retry-After) and hangs are not waited out: the timeline
 * runs on a simulated clock, so a two-minute scenario answers in well under a second.
 */
public final class ChainSimulation implements AutoCloseable {
    /** Attempts one simulation may make at most, whatever the chain's budget says (each is a real call). */
    public static final int MAX_ATTEMPTS = 20;
    /** Models a draft chain may list. */
    public static final int MAX_MODELS = 20;
    /** Failures scripted for one model at most (one per attempt of it). */
    public static final int MAX_SCRIPT = 10;
    /** How long a hanging simulated call is given before it counts as the model's first-byte timeout. */
    private static final Duration HANG_PROBE = Duration.ofMillis(250);
    /** Any other simulated call answers on loopback at once; beyond this something is wrong. */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final String PROMPT = "Simulated chain test";

    private final Vertx vertx;
    private final Supplier<Catalog> catalog;
    private final RulesHolder rules;
    private final ProviderAdapter openAi;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CALL_TIMEOUT).build();
    private Simulator simulator;

    public ChainSimulation(Vertx vertx, Supplier<Catalog> catalog, RulesHolder rules, ProviderAdapter openAi) {
        this.vertx = vertx;
        this.catalog = catalog;
        this.rules = rules;
        this.openAi = openAi;
    }

    /**
     * Runs {@code body}: {@code chain} (a catalog chain's id, or a draft {models, maxAttempts, retryOn, deadlineMs}),
     * {@code failures} ({model: outcome or [outcome per attempt]}; outcomes {@code ok rate_limit server_error hang cut
     * content_filter}, also {@code 429 5xx}; unscripted attempts succeed) and an optional {@code prompt}.
     */
    public ObjectNode run(JsonNode body) {
        Catalog cat = catalog.get();
        ChainSpec chain = chain(body.path("chain"), cat);
        Map<String, List<Forced>> script = script(body.path("failures"), chain);
        JsonNode promptNode = body.path("prompt");
        String prompt = promptNode.isTextual() && !promptNode.asText().isBlank() ? promptNode.asText() : PROMPT;
        return walk(chain, script, prompt, cat);
    }

    private ObjectNode walk(ChainSpec chain, Map<String, List<Forced>> script, String prompt, Catalog cat) {
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        answer.put("chain", chain.id()).put("simulated", true);
        answer.set("models", dev.switchboard.providers.Json.MAPPER.valueToTree(chain.models()));
        answer.put("maxAttempts", chain.maxAttempts()).put("deadlineMs", chain.deadline().toMillis());
        ArrayNode timeline = answer.putArray("attempts");
        int budget = Math.min(chain.maxAttempts(), MAX_ATTEMPTS);
        long clockMs = 0;
        int used = 0;
        ProviderFailure last = null;
        List<String> models = chain.models();
        for (int i = 0; i < models.size(); i++) {
            ModelSpec model = cat.model(models.get(i)).orElseThrow();
            long waitMs = 0;
            for (int tries = 1; ; tries++) {
                if (used >= budget || clockMs >= chain.deadline().toMillis()) {
                    return finish(answer, last, used >= budget ? "attempt budget spent" : "deadline reached", clockMs);
                }
                used++;
                Forced forced = scripted(script, model.id(), tries);
                clockMs += waitMs;
                long startMs = clockMs;
                Result result = call(model, forced, prompt);
                clockMs += result.latencyMs();
                ObjectNode step = timeline.addObject().put("attempt", used).put("model", model.id()).put("provider", model.provider())
                        .put("scripted", forced.label()).put("waitMs", waitMs).put("startMs", startMs).put("latencyMs", result.latencyMs());
                if (result.failure() == null) {
                    step.put("outcome", "ok").put("status", 200).put("decision", "answered");
                    answer.put("outcome", "answered").put("servedBy", model.id()).put("status", 200).put("totalMs", clockMs);
                    return answer;
                }
                last = result.failure();
                step.put("outcome", last.failureClass().label()).put("status", last.upstreamStatus());
                if (!last.failureClass().fallsBack()) {
                    step.put("decision", "answer the caller with the error");
                    return finish(answer, last, "a caller error is never retried", clockMs);
                }
                boolean anotherLeft = i + 1 < models.size();
                RetryPolicy.Next next = RetryPolicy.after(last.failureClass(), last.retryAfter().orElse(null), chain, tries, anotherLeft,
                        budget - used, Duration.ofMillis(chain.deadline().toMillis() - clockMs));
                next = customCondition(chain, model, last, used, next, anotherLeft, step);
                if (next instanceof RetryPolicy.RetrySame retry) {
                    waitMs = retry.delay().toMillis();
                    step.put("decision", "retry " + model.id() + " after " + waitMs + " ms");
                    continue;
                }
                if (next instanceof RetryPolicy.Stop) {
                    step.put("decision", "stop");
                    return finish(answer, last, "the chain does not retry on " + last.failureClass().label() + " here", clockMs);
                }
                step.put("decision", anotherLeft ? "next model" : "stop");
                break;
            }
        }
        return finish(answer, last, "every model of the chain failed", clockMs);
    }

    private static ObjectNode finish(ObjectNode answer, ProviderFailure last, String why, long clockMs) {
        FailureClass fc = last == null ? FailureClass.SERVER_ERROR : last.failureClass();
        return answer.put("outcome", "failed").put("status", fc.callerStatus()).put("error", fc.code()).put("reason", why)
                .put("totalMs", clockMs);
    }

    /** The rules on {@code FailedAttempt} may overrule the chain, as for real traffic. */
    private RetryPolicy.Next customCondition(ChainSpec chain, ModelSpec model, ProviderFailure failure, int attempt,
                                             RetryPolicy.Next chainSays, boolean anotherLeft, ObjectNode step) {
        Decision verdict = rules.decideOnFailure(new FailedAttempt(model.id(), model.provider(), failure.failureClass().label(), attempt,
                chain.id() == null ? "" : chain.id(), "simulation"));
        if (verdict.verdict() != Decision.Verdict.CHAIN_DECIDES) {
            step.put("retryRule", verdict.rule());
        }
        return switch (verdict.verdict()) {
            case GIVE_UP -> new RetryPolicy.Stop();
            case FALL_BACK -> anotherLeft ? new RetryPolicy.NextModel(false) : chainSays;
            case CHAIN_DECIDES -> chainSays;
        };
    }

    private record Result(ProviderFailure failure, long latencyMs) {
    }

    /** One streamed chat call of the simulator, told what to do; classified as the OpenAI adapter classifies a provider's. */
    private Result call(ModelSpec model, Forced forced, String prompt) {
        ObjectNode request = JsonNodeFactory.instance.objectNode().put("model", model.upstreamId()).put("stream", true);
        request.putArray("messages").addObject().put("role", "user").put("content", prompt);
        HttpRequest call = HttpRequest.newBuilder(URI.create(simulator().baseUrl() + "/chat/completions"))
                .timeout(forced == Forced.HANG ? HANG_PROBE : CALL_TIMEOUT)
                .header("Content-Type", "application/json").header(Simulator.FORCE_HEADER, forced.label())
                .POST(HttpRequest.BodyPublishers.ofString(request.toString())).build();
        long start = System.nanoTime();
        try {
            HttpResponse<InputStream> response = http.send(call, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                if (response.statusCode() != 200) {
                    byte[] bytes = in.readNBytes(ModelCall.MAX_ERROR_BODY);
                    return new Result(openAi.classify(response.statusCode(), h -> response.headers().firstValue(h).orElse(null), bytes),
                            elapsed(start));
                }
                return new Result(readStream(in), elapsed(start));
            }
        } catch (HttpTimeoutException e) {
            // What the real call would have waited: the model's first-byte timeout.
            return new Result(new ProviderFailure(FailureClass.TIMEOUT, "the provider did not answer in time"), model.firstByteTimeout().toMillis());
        } catch (IOException e) {
            return new Result(new ProviderFailure(FailureClass.SERVER_ERROR, "the call to the provider failed: " + e.getMessage()), elapsed(start));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayError(503, "service_unavailable", null, null, "The simulation was interrupted");
        }
    }

    /** Null when the stream ended with its end marker; a failure when it was cut before it. */
    private static ProviderFailure readStream(InputStream in) {
        try {
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.equals("data: [DONE]")) {
                    return null;
                }
            }
        } catch (IOException e) {
            // falls through: a reset connection is a cut stream
        }
        return new ProviderFailure(FailureClass.SERVER_ERROR, "the stream was cut before its first word");
    }

    private static long elapsed(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static Forced scripted(Map<String, List<Forced>> script, String model, int tries) {
        List<Forced> steps = script.getOrDefault(model, List.of());
        return tries <= steps.size() ? steps.get(tries - 1) : Forced.OK;
    }

    private synchronized Simulator simulator() {
        if (simulator == null) {
            simulator = new Simulator(vertx, new Simulation(0, 0, 0, 0, 0)).start();
        }
        return simulator;
    }

    /** A catalog chain by id (inactive ones too: they are being tested), or a draft given whole. */
    private ChainSpec chain(JsonNode node, Catalog cat) {
        if (node.isTextual()) {
            ChainSpec named = cat.chains().get(node.asText());
            if (named == null) {
                throw new GatewayError(404, "invalid_request_error", "not_found", "chain", "No chain '" + node.asText()
                        + "'; chains in the catalog: " + cat.chains().keySet());
            }
            return named;
        }
        if (!node.isObject()) {
            throw GatewayError.badRequest("chain", "'chain' is a chain's id or a draft {\"models\": [...], \"maxAttempts\"?, "
                    + "\"retryOn\"?, \"deadlineMs\"?}");
        }
        JsonNode list = node.path("models");
        if (!list.isArray() || list.isEmpty() || list.size() > MAX_MODELS) {
            throw GatewayError.badRequest("chain.models", "'chain.models' lists 1.." + MAX_MODELS + " catalog models");
        }
        List<String> models = new ArrayList<>();
        for (JsonNode m : list) {
            if (!m.isTextual() || cat.model(m.asText()).isEmpty()) {
                throw GatewayError.badRequest("chain.models", "Unknown model " + m + " in 'chain.models'");
            }
            if (models.contains(m.asText())) {
                throw GatewayError.badRequest("chain.models", "Model '" + m.asText() + "' is listed twice in 'chain.models'");
            }
            models.add(m.asText());
        }
        int maxAttempts = node.path("maxAttempts").asInt(models.size() + ChainSpec.EXTRA_ATTEMPTS);
        if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
            throw GatewayError.badRequest("chain.maxAttempts", "'chain.maxAttempts' must be 1.." + MAX_ATTEMPTS);
        }
        Set<ChainSpec.RetryOn> retryOn = EnumSet.noneOf(ChainSpec.RetryOn.class);
        if (node.has("retryOn")) {
            for (JsonNode r : node.get("retryOn")) {
                try {
                    retryOn.add(ChainSpec.RetryOn.parse(r.asText()));
                } catch (IllegalArgumentException e) {
                    throw GatewayError.badRequest("chain.retryOn", e.getMessage());
                }
            }
        } else {
            retryOn.addAll(ChainSpec.DEFAULT_RETRY_ON);
        }
        long deadlineMs = node.path("deadlineMs").asLong(ChainSpec.DEFAULT_DEADLINE.toMillis());
        if (deadlineMs < 1) {
            throw GatewayError.badRequest("chain.deadlineMs", "'chain.deadlineMs' must be a positive number of milliseconds");
        }
        String id = node.path("id").asText(null);
        return new ChainSpec(id, id, null, models, maxAttempts, retryOn, node.path("preserveContext").asBoolean(true), true,
                Duration.ofMillis(deadlineMs));
    }

    private static Map<String, List<Forced>> script(JsonNode failures, ChainSpec chain) {
        Map<String, List<Forced>> script = new HashMap<>();
        if (failures.isMissingNode() || failures.isNull()) {
            return script;
        }
        if (!failures.isObject()) {
            throw GatewayError.badRequest("failures", "'failures' maps a model of the chain to an outcome or a list of them");
        }
        for (var it = failures.fields(); it.hasNext(); ) {
            var e = it.next();
            String param = "failures." + e.getKey();
            if (!chain.models().contains(e.getKey())) {
                throw GatewayError.badRequest("failures", "'failures' names '" + e.getKey() + "', which is not a model of the chain "
                        + chain.models());
            }
            List<Forced> steps = new ArrayList<>();
            for (JsonNode v : e.getValue().isArray() ? e.getValue() : List.of(e.getValue())) {
                steps.add(outcome(v, param));
            }
            if (steps.size() > MAX_SCRIPT) {
                throw GatewayError.badRequest(param, "'" + param + "' scripts at most " + MAX_SCRIPT + " attempts");
            }
            script.put(e.getKey(), steps);
        }
        return script;
    }

    private static Forced outcome(JsonNode v, String param) {
        String text = v.isValueNode() ? v.asText() : "";
        return switch (text) {
            case "ok" -> Forced.OK;
            case "rate_limit", "429" -> Forced.RATE_LIMIT;
            case "server_error", "5xx", "500" -> Forced.SERVER_ERROR;
            case "hang", "timeout" -> Forced.HANG;
            case "cut" -> Forced.CUT;
            case "content_filter" -> Forced.CONTENT_FILTER;
            default -> throw GatewayError.badRequest(param, "'" + param + "' takes ok, rate_limit (429), server_error (5xx), hang, cut "
                    + "or content_filter, got " + v);
        };
    }

    @Override
    public synchronized void close() {
        if (simulator != null) {
            simulator.close();
        }
    }
}
