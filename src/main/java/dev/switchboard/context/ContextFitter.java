package dev.switchboard.context;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.api.ChatRequest;
import dev.switchboard.catalog.ContextPolicy;
import dev.switchboard.tokens.TokenCounter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Fits a conversation into a prompt budget (the serving model's window less the answer's room, or less when the
 * agent caps it): untouched when it fits, else by the agent's strategy. {@code windowed} keeps the system prompt,
 * the tool definitions and the newest turns that fit; {@code summarized} puts a summary of the older turns in
 * their place. Summaries are kept per conversation prefix ({@link SummaryStore}): a growing conversation reuses
 * its summary until the turns after it no longer fit, then only the turns since are summarised, on top of it.
 */
public final class ContextFitter {
    public static final String FULL = "full";
    public static final String SUMMARIZED = "summarized";
    static final String WINDOWED = "windowed:kept=";
    /** The longest summary asked of the summary model (its tokens); room for it is kept when turns are cut. */
    public static final int SUMMARY_MAX_TOKENS = 512;
    /**
     * Share of the room after the summary that the kept turns may fill when a new segment is summarised: the rest
     * lets the conversation grow for several turns on the same summary before the next one is needed.
     */
    static final double KEPT_SHARE_AT_SUMMARY = 0.5;
    /** Summary tokens counted in the serving model's tokens are at most this many times the summary model's. */
    private static final double SUMMARY_TOKENS_FACTOR = 1.5;
    private static final String SUMMARY_HEADING = "Summary of the earlier conversation:\n";

    /** A request as one model gets it, and how it was fitted ({@code full}, {@code windowed:kept=N}, {@code summarized}). */
    public record Fitted(ChatRequest request, String label) {
    }

    /** Makes a summary of {@code turns}, continuing {@code previous} (null for the first); empty when it could not. */
    @FunctionalInterface
    public interface Summarizer {
        Optional<String> summarize(String previous, List<JsonNode> turns);
    }

    private final SummaryStore store;

    public ContextFitter(SummaryStore store) {
        this.store = store;
    }

    /**
     * The request fitted into {@code budget} prompt tokens of {@code scheme}. {@code scope} names whose summaries these
     * are (the agent); without one, or when a summary cannot be made, a conversation too long is windowed.
     */
    public Fitted fit(ChatRequest request, long budget, TokenCounter.Scheme scheme, ContextPolicy policy, String scope,
                      Summarizer summarizer) {
        Conversation c = new Conversation(request, scheme);
        if (c.totalTokens() <= budget || c.turns.isEmpty()) {
            return new Fitted(request, FULL);
        }
        if (policy.whenTooLong() == ContextPolicy.Strategy.SUMMARIZED && scope != null) {
            Optional<Fitted> summarized = summarized(c, budget, scheme, policy, scope, summarizer);
            if (summarized.isPresent()) {
                return summarized.get();
            }
        }
        return windowed(c, budget);
    }

    private static Fitted windowed(Conversation c, long budget) {
        int first = c.firstKept(budget - c.fixedTokens, 0);
        return new Fitted(c.keeping(List.of(), first), WINDOWED + c.messagesFrom(first));
    }

    private Optional<Fitted> summarized(Conversation c, long budget, TokenCounter.Scheme scheme, ContextPolicy policy, String scope,
                                        Summarizer summarizer) {
        if (c.turns.size() < 2) {
            return Optional.empty();
        }
        String[] prefixes = SummaryStore.prefixHashes(scope + '\n' + policy.summaryModel() + '\n' + policy.prompt(), c.turns);
        SummaryStore.Summary known = store.longest(prefixes, c.turns.size() - 1);
        if (known != null) {
            JsonNode message = summaryMessage(known.text());
            if (c.fixedTokens + TokenCounter.message(message, scheme) + c.tokensFrom(known.turns()) <= budget) {
                return Optional.of(new Fitted(c.keeping(List.of(message), known.turns()), SUMMARIZED));
            }
        }
        int from = known == null ? 0 : known.turns();
        if (from + 1 > c.turns.size() - 1) {
            return Optional.empty(); // only the newest turn is left unsummarised, and it does not fit: nothing to condense
        }
        long summaryRoom = (long) Math.ceil(SUMMARY_MAX_TOKENS * SUMMARY_TOKENS_FACTOR);
        long room = (long) ((budget - c.fixedTokens - summaryRoom) * KEPT_SHARE_AT_SUMMARY);
        int cut = c.firstKept(room, from + 1);
        List<JsonNode> segment = new ArrayList<>();
        for (int i = from; i < cut; i++) {
            segment.addAll(c.turns.get(i).messages());
        }
        Optional<String> text = summarizer.summarize(known == null ? null : known.text(), segment);
        if (text.isEmpty() || text.get().isBlank()) {
            return Optional.empty();
        }
        store.put(prefixes[1], new SummaryStore.Summary(cut, prefixes[cut], text.get()), scope);
        JsonNode message = summaryMessage(text.get());
        // A summary longer than its room pushes out more of the older kept turns.
        int first = c.firstKept(budget - c.fixedTokens - TokenCounter.message(message, scheme), cut);
        return Optional.of(new Fitted(c.keeping(List.of(message), first), SUMMARIZED));
    }

    /** The summary as the model reads it: a system message right after the system prompt. */
    private static JsonNode summaryMessage(String text) {
        return JsonNodeFactory.instance.objectNode().put("role", "system").put("content", SUMMARY_HEADING + text);
    }
}
