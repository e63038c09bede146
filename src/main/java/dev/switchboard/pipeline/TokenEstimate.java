package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.api.ChatChunk;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Token estimates where no tokenizer applies: about four characters a token, the same rule as the request
 * facts. Used for embeddings inputs and for the answer of a cut stream whose provider never sent its totals;
 * chat prompts are counted by {@link dev.switchboard.tokens.TokenCounter} (see {@link PromptTokens}).
 */
final class TokenEstimate {
    /** Characters per token of English text and code in the providers' tokenizers (roughly). */
    private static final int CHARS_PER_TOKEN = 4;
    /** Content parts that are images: their base64 is not text of the prompt or the answer. */
    private static final Set<String> IMAGE_PARTS = Set.of("image_url", "input_image", "image");

    private TokenEstimate() {
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
    static int withAnswer(long promptTokens, JsonNode body) {
        JsonNode max = body.path("max_tokens");
        long answer = !max.isIntegralNumber() ? 0 : max.canConvertToInt() ? Math.max(0, max.asInt()) : Integer.MAX_VALUE;
        return (int) Math.min(Integer.MAX_VALUE, promptTokens + answer);
    }

    static long ofChars(long chars) {
        return (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
    }

    /** Characters of every field name and value, images left out. */
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

    private static boolean isImage(JsonNode node) {
        return node.isObject() && IMAGE_PARTS.contains(node.path("type").asText(""));
    }
}
