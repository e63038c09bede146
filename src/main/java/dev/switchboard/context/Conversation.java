package dev.switchboard.context;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.api.ChatRequest;
import dev.switchboard.tokens.TokenCounter;
import java.util.ArrayList;
import java.util.List;

/**
 * A chat request cut into what every fitting keeps (the leading system prompt and the tool definitions) and the
 * turns it may drop, oldest first, each counted in one model's tokens. A turn is a message, or an assistant's tool
 * call with the tool results that answer it: providers refuse a tool result whose call is missing, so the two are
 * kept or dropped together.
 */
final class Conversation {
    /** One droppable unit: its messages in order and their tokens. */
    record Turn(List<JsonNode> messages, long tokens) {
    }

    final ChatRequest request;
    final List<JsonNode> systemPrompt = new ArrayList<>();
    final List<Turn> turns = new ArrayList<>();
    /** Tokens of the reply priming, the tool definitions and the system prompt. */
    final long fixedTokens;
    final long turnTokens;

    Conversation(ChatRequest request, TokenCounter.Scheme scheme) {
        this.request = request;
        long fixed = TokenCounter.framing(request.body(), scheme);
        List<JsonNode> current = null;
        long currentTokens = 0;
        boolean leading = true;
        for (JsonNode m : request.messages()) {
            long tokens = TokenCounter.message(m, scheme);
            if (leading && isSystem(m)) {
                systemPrompt.add(m);
                fixed += tokens;
                continue;
            }
            leading = false;
            if (current != null && answersACall(m)) {
                current.add(m);
                currentTokens += tokens;
                continue;
            }
            if (current != null) {
                turns.add(new Turn(List.copyOf(current), currentTokens));
            }
            current = new ArrayList<>(List.of(m));
            currentTokens = tokens;
        }
        if (current != null) {
            turns.add(new Turn(List.copyOf(current), currentTokens));
        }
        this.fixedTokens = fixed;
        this.turnTokens = turns.stream().mapToLong(Turn::tokens).sum();
    }

    long totalTokens() {
        return fixedTokens + turnTokens;
    }

    /**
     * The index of the oldest turn kept when the newest turns fill at most {@code room} tokens, never below {@code from};
     * the newest turn is always kept (a request without its last turn asks nothing).
     */
    int firstKept(long room, int from) {
        int first = turns.size() - 1;
        long used = turns.get(first).tokens();
        while (first - 1 >= from && used + turns.get(first - 1).tokens() <= room) {
            first--;
            used += turns.get(first).tokens();
        }
        return first;
    }

    long tokensFrom(int first) {
        long tokens = 0;
        for (int i = first; i < turns.size(); i++) {
            tokens += turns.get(i).tokens();
        }
        return tokens;
    }

    /** The request with the system prompt, then {@code inserted} (may be empty), then the turns from {@code first} on. */
    ChatRequest keeping(List<JsonNode> inserted, int first) {
        ArrayNode messages = JsonNodeFactory.instance.arrayNode();
        systemPrompt.forEach(messages::add);
        inserted.forEach(messages::add);
        for (int i = first; i < turns.size(); i++) {
            turns.get(i).messages().forEach(messages::add);
        }
        return request.withParam("messages", messages);
    }

    /** Messages in the turns from {@code first} on. */
    int messagesFrom(int first) {
        int n = 0;
        for (int i = first; i < turns.size(); i++) {
            n += turns.get(i).messages().size();
        }
        return n;
    }

    static boolean isSystem(JsonNode m) {
        String role = m.path("role").asText();
        return role.equals("system") || role.equals("developer");
    }

    /** A tool (or legacy function) result: it belongs to the assistant message that called it. */
    private static boolean answersACall(JsonNode m) {
        String role = m.path("role").asText();
        return role.equals("tool") || role.equals("function");
    }
}
