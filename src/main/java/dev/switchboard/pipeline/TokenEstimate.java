package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.ChatRequest;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Token counts known before (or without) the provider's own: about four characters a token, the same rule
 * as the request facts. Used for what a request may cost before the call, and for what a cut stream has
 * cost when the provider never sent its totals.
 */
final class TokenEstimate {
    /** Characters per token of English text and code in the providers' tokenizers (roughly). */
    private static final int CHARS_PER_TOKEN = 4;
    /**
     * Tokens one image may cost at the providers' default detail: about 1,450 at OpenAI's largest (2048x768,
     * high detail) and 1,600 at Anthropic's (1.15 megapixels); rounded up. An image is never counted by its
     * base64 length, which would overstate it a hundredfold.
     */
    private static final int IMAGE_TOKENS = 2_500;
    private static final Set<String> IMAGE_PARTS = Set.of("image_url", "input_image", "image");

    private TokenEstimate() {
    }

    /**
     * The prompt as the provider receives it: every message (system prompts included, tool calls and their
     * results), the tool and function definitions, each name and value of their JSON.
     */
    static long prompt(ChatRequest request) {
        JsonNode body = request.body();
        return ofChars(chars(body.get("messages")) + chars(body.get("tools")) + chars(body.get("functions")))
                + IMAGE_TOKENS * images(body.get("messages"));
    }

    /** The input of an embeddings request: strings by their length, token arrays by their count, nested or not. */
    static long embeddingsInput(JsonNode input) {
        if (input == null) {
            return 0;
        }
        if (input.isTextual()) {
            return ofChars(input.asText().length());
        }
        if (input.isNumber()) {
            return 1;
        }
        long tokens = 0;
        for (JsonNode item : input) {
            tokens += embeddingsInput(item);
        }
        return tokens;
    }

    /** The answer characters of one chunk: text, reasoning and tool calls, every choice. */
    static long outputChars(ChatChunk chunk) {
        long chars = 0;
        for (JsonNode choice : chunk.json().path("choices")) {
            JsonNode delta = choice.path("delta");
            chars += delta.path("content").asText("").length() + delta.path("reasoning_content").asText("").length()
                    + chars(delta.get("tool_calls"));
        }
        return chars;
    }

    /**
     * The prompt estimate plus the longest answer asked for ({@code max_tokens}), for the token rate limits:
     * saturating at the largest int instead of wrapping negative (which would give tokens back).
     */
    static int withAnswer(int promptTokens, JsonNode body) {
        JsonNode max = body.path("max_tokens");
        long answer = !max.isIntegralNumber() ? 0 : max.canConvertToInt() ? Math.max(0, max.asInt()) : Integer.MAX_VALUE;
        return (int) Math.min(Integer.MAX_VALUE, promptTokens + answer);
    }

    static long ofChars(long chars) {
        return (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
    }

    /** Characters of every field name and value, images left out (they are counted by {@link #images}). */
    private static long chars(JsonNode node) {
        if (node == null || node.isNull()) {
            return 0;
        }
        if (node.isValueNode()) {
            return node.asText().length();
        }
        if (isImage(node)) {
            return 0;
        }
        long chars = 0;
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                chars += field.getKey().length() + chars(field.getValue());
            }
        } else {
            for (JsonNode item : node) {
                chars += chars(item);
            }
        }
        return chars;
    }

    private static long images(JsonNode node) {
        if (node == null || node.isValueNode()) {
            return 0;
        }
        if (isImage(node)) {
            return 1;
        }
        long images = 0;
        for (JsonNode child : node) {
            images += images(child);
        }
        return images;
    }

    private static boolean isImage(JsonNode node) {
        return node.isObject() && IMAGE_PARTS.contains(node.path("type").asText(""));
    }
}
