package dev.switchboard.pipeline;

import dev.switchboard.api.ChatRequest;
import dev.switchboard.api.Usage;
import dev.switchboard.catalog.ChainSpec;
import dev.switchboard.catalog.ModelSpec;
import dev.switchboard.catalog.ProviderSpec;
import dev.switchboard.recording.Attempt;
import dev.switchboard.recording.UsageRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Everything the pipeline learns about one request, kept in the exchange variable {@code sb} (never in
 * headers, which would leak to providers and callers). Written by one thread at a time: the route's, then
 * the stream relay's.
 */
public final class RequestContext {
    public static final String VARIABLE = "sb";

    final String requestId = "req-" + UUID.randomUUID();
    final Instant createdAt = Instant.now();
    final long startNanos = System.nanoTime();
    final String entry;
    final String operation;
    final List<Attempt> attempts = new ArrayList<>();
    final List<String> tags = new ArrayList<>();
    /** Headers the caller should see beside the x-switchboard ones (its rate-limit headroom). */
    final java.util.Map<String, String> extraHeaders = new java.util.LinkedHashMap<>();
    private final AtomicBoolean recorded = new AtomicBoolean();

    /** The API the caller speaks: answers and errors go back in its shape. */
    enum FrontDoor { OPENAI, ANTHROPIC, RESPONSES }

    FrontDoor frontDoor = FrontDoor.OPENAI;
    /**
     * The caller's body as it came, for a provider that speaks the front door's format (Anthropic's Messages API
     * served by Anthropic, the Responses API served by OpenAI: with its {@code previous_response_id} resolved into
     * the input), with the provider-specific headers kept from the caller; null for other front doors.
     */
    com.fasterxml.jackson.databind.node.ObjectNode callerBody;
    java.util.Map<String, String> callerHeaders = java.util.Map.of();
    /** Set per attempt: the model being called gets {@link #callerBody}, and its answer goes back as it came. */
    boolean passThrough;
    /** A whole answer as the provider sent it, when {@link #passThrough}. */
    com.fasterxml.jackson.databind.node.ObjectNode providerAnswer;
    /** A Responses API request: what its answer echoes and where it is stored; null for other front doors. */
    ResponsesDoor.Turn responses;
    String caller = "anonymous";
    /** The calling agent when it sent its key; its defaults apply unless a rule says otherwise. */
    dev.switchboard.catalog.AgentSpec agent;
    /** Money held against the agent's budget until the request settles. */
    dev.switchboard.recording.BudgetLedger.Reservation reservation;
    /** What the chain's ad-hoc ids cost (see {@link Pricing}): the catalog has no price of their own. */
    final java.util.Map<String, dev.switchboard.catalog.Price> adHocPrices = new java.util.HashMap<>();
    String requestedModel;
    ChatRequest request;
    /** The models to try, in order, with their providers; set by the route stage. */
    List<Target> chain = List.of();
    /** The chain's rules: attempt budget, deadline, which failures move on. */
    ChainSpec chainSpec;
    String rule;
    /** The caller's task type (x-switchboard-task-type), once the request is read. */
    String taskType;
    ModelSpec servedModel;
    ProviderSpec servedProvider;
    String servedModelName;
    Usage usage = Usage.NONE;
    long ttftNanos = -1;
    int status = 200;
    String outcome = "ok";
    String error;
    boolean stream;
    /** The whole answer, for its quality checks once the caller has it. */
    dev.switchboard.api.ChatResponse answer;
    /** A streamed answer as it goes out, for the same checks. */
    final AnswerTranscript transcript = new AnswerTranscript();
    /** About characters / 4 of the prompt's text, as the rules see it: known before the provider reports the real count. */
    int estimatedPromptTokens;
    /** The conversation as the model being tried gets it, fitted to its window (null: {@link #request} as it is). */
    ChatRequest fitted;
    /** How {@link #fitted} was made: {@code full}, {@code windowed:kept=N} or {@code summarized}; null before any fitting. */
    String contextFit;
    /** The request whose conversation this summary request condenses (null for callers' own requests). */
    String summaryFor;
    /** The fittings made for this request, by window budget and tokenizer: a retry or a same-sized fallback reuses one. */
    final java.util.Map<String, dev.switchboard.context.ContextFitter.Fitted> fittings = new java.util.HashMap<>(4);
    /** The prompt counted in the tokens of each model it may reach: for the limits and the budget. */
    final PromptTokens promptTokens = new PromptTokens();

    RequestContext(String entry, String operation) {
        this.entry = entry;
        this.operation = operation;
    }

    /**
     * One deployment to try: of a catalog model, or an ad-hoc {@code provider/model-id} (then {@code model} is
     * null). {@code key} names its breaker and health entry, and a catalog model's route (ad-hoc models share
     * their provider's route).
     */
    record Target(String name, ModelSpec model, ProviderSpec provider, String upstreamId, String key) {
    }

    long elapsedMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** True the first time only: a request is recorded exactly once, whichever path finishes it. */
    boolean markRecorded() {
        return recorded.compareAndSet(false, true);
    }

    UsageRecord toRecord() {
        // The simulator bills nothing: analytics must not show money that was never spent.
        dev.switchboard.catalog.Price price = servedModel != null ? servedModel.price() : adHocPrices.get(servedModelName);
        boolean billed = price != null && servedProvider != null && !ProviderSpec.SIMULATOR.equals(servedProvider.id());
        double cost = billed ? price.cost(usage) : 0;
        return new UsageRecord(requestId, createdAt, entry, operation, caller, requestedModel, servedModelName,
                servedProvider == null ? null : servedProvider.id(), rule, attempts, usage.promptTokens(),
                usage.completionTokens(), usage.totalTokens(), cost, elapsedMillis(),
                ttftNanos < 0 ? -1 : (ttftNanos - startNanos) / 1_000_000, status, outcome, error, stream, tags,
                usage.cachedTokens(), usage.reasoningTokens(), taskType, chainSpec == null ? null : chainSpec.id(),
                plannedCost(billed, cost), contextFit);
    }

    /**
     * What the answer would have cost had the chain's first model served it, at its price. Equal to the actual
     * cost when the first model served, nothing was billed, or the first model has no known price.
     */
    private double plannedCost(boolean billed, double cost) {
        if (!billed || chain.isEmpty() || chain.get(0).name().equals(servedModelName)) {
            return cost;
        }
        Target first = chain.get(0);
        dev.switchboard.catalog.Price price = first.model() != null ? first.model().price() : adHocPrices.get(first.name());
        return price == null ? cost : price.cost(usage);
    }
}
