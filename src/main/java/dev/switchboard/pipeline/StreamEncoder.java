package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.ErrorBodies;
import dev.switchboard.api.Usage;
import dev.switchboard.providers.Json;
import dev.switchboard.providers.anthropic.AnthropicStreamWriter;
import java.nio.charset.StandardCharsets;

/**
 * Writes canonical chunks in the caller's streaming format: OpenAI's {@code data:} lines ending in
 * {@code [DONE]}, or Anthropic's named events ending in {@code message_stop}. Created per request.
 */
interface StreamEncoder {

    /** The text for one chunk (may be empty). */
    String chunk(ChatChunk chunk);

    /** The clean end of a complete answer. */
    String end(Usage usage);

    /** The end of a broken answer: an error event, never the clean end marker. */
    String error(String type, String code, String message);

    static StreamEncoder of(RequestContext ctx) {
        return switch (ctx.frontDoor) {
            case ANTHROPIC -> ctx.passThrough ? new Relay() : new Anthropic(ctx.servedModelName, ctx.estimatedPromptTokens);
            case RESPONSES -> ctx.responses.encoder(ctx);
            case OPENAI -> new OpenAi(ctx.request.includeUsage());
        };
    }

    /** OpenAI SSE: chunks forwarded as they came (no re-serialising when the provider spoke OpenAI too). */
    final class OpenAi implements StreamEncoder {
        private final boolean includeUsage;

        OpenAi(boolean includeUsage) {
            this.includeUsage = includeUsage;
        }

        @Override
        public String chunk(ChatChunk chunk) {
            boolean usageOnly = chunk.usage() != null && chunk.json().path("choices").isEmpty();
            if (usageOnly && !includeUsage) {
                return ""; // asked upstream for our own records; the caller did not ask for it
            }
            return "data: " + (chunk.raw() != null ? chunk.raw() : text(chunk.json())) + "\n\n";
        }

        @Override
        public String end(Usage usage) {
            return "data: [DONE]\n\n";
        }

        @Override
        public String error(String type, String code, String message) {
            return "data: " + text(ErrorBodies.openAi(message, type, null, code)) + "\n\n";
        }
    }

    /** Anthropic's event sequence, whatever provider answered. */
    final class Anthropic implements StreamEncoder {
        private final AnthropicStreamWriter writer;

        Anthropic(String model, int estimatedPromptTokens) {
            this.writer = new AnthropicStreamWriter(model, estimatedPromptTokens);
        }

        @Override
        public String chunk(ChatChunk chunk) {
            return writer.onChunk(chunk.json());
        }

        @Override
        public String end(Usage usage) {
            return writer.finish(usage);
        }

        @Override
        public String error(String type, String code, String message) {
            return AnthropicStreamWriter.error(ErrorBodies.anthropicType(type, code), message);
        }
    }

    /**
     * The provider's own events as they came ({@link ChatChunk#raw()}), for a caller of the provider's format:
     * the provider's end marker was among them, so the clean end adds nothing.
     */
    final class Relay implements StreamEncoder {
        @Override
        public String chunk(ChatChunk chunk) {
            return chunk.raw() == null ? "" : chunk.raw();
        }

        @Override
        public String end(Usage usage) {
            return "";
        }

        @Override
        public String error(String type, String code, String message) {
            return AnthropicStreamWriter.error(ErrorBodies.anthropicType(type, code), message);
        }
    }

    private static String text(ObjectNode json) {
        return new String(Json.bytes(json), StandardCharsets.UTF_8);
    }
}
