package dev.switchboard.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.ChatResponse;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.api.Usage;
import dev.switchboard.providers.StreamDecoder;
import java.util.ArrayList;
import java.util.List;

/**
 * An OpenAI-compatible provider whose answers need a second look. It reads the answer once, in
 * {@link #fromChatResponse} and {@link #streamDecoder}, and asks three small hooks, so that each dialect
 * overrides only the hook that differs: its own usage fields, a finish reason that really means failure, or
 * a stream that ends without {@code data: [DONE]}.
 *
 * <p>The hooks belong in {@link OpenAiCompatibleAdapter} itself; this class only exists because that file is
 * owned elsewhere. Once the base calls them, delete this class and let the dialects extend the base directly.
 */
abstract class OpenAiDialectAdapter extends OpenAiCompatibleAdapter {

    /** The answer's usage read from its {@code usage} object (null when absent). The default is OpenAI's fields. */
    protected Usage usage(JsonNode usage) {
        return Usage.fromOpenAi(usage);
    }

    /** A failure when this finish reason means the answer was not completed; null for a normal end. */
    protected ProviderFailure failureFor(String finishReason) {
        return null;
    }

    /** Whether this chunk is the last one even when the provider sends no {@code data: [DONE]} after it. */
    protected boolean endsStream(ChatChunk chunk) {
        return false;
    }

    @Override
    public ChatResponse fromChatResponse(byte[] body) {
        ChatResponse response = super.fromChatResponse(body);
        throwIfUnfinished(response.finishReason());
        return new ChatResponse(response.body(), usage(response.body().get("usage")), response.finishReason());
    }

    @Override
    public StreamDecoder streamDecoder() {
        return new DialectDecoder(super.streamDecoder());
    }

    private void throwIfUnfinished(String finishReason) {
        ProviderFailure failure = finishReason == null ? null : failureFor(finishReason);
        if (failure != null) {
            throw failure;
        }
    }

    /** OpenAI's decoder with the dialect's usage, failed finishes and end marker applied to each chunk. */
    private final class DialectDecoder implements StreamDecoder {
        private final StreamDecoder openAi;
        private boolean ended;

        DialectDecoder(StreamDecoder openAi) {
            this.openAi = openAi;
        }

        @Override
        public List<ChatChunk> decode(String line) {
            List<ChatChunk> chunks = openAi.decode(line);
            List<ChatChunk> out = new ArrayList<>(chunks.size());
            for (ChatChunk chunk : chunks) {
                throwIfUnfinished(chunk.finishReason());
                // The chunk's JSON and raw text stay as they came: fields the gateway does not know (citations,
                // reasoning_content) reach the caller untouched. Only the usage read out for records changes.
                out.add(chunk.usage() == null ? chunk : new ChatChunk(chunk.json(), usage(chunk.json().get("usage")),
                        chunk.content(), chunk.finishReason(), chunk.raw()));
                ended = ended || endsStream(chunk);
            }
            return out;
        }

        @Override
        public boolean finished() {
            return ended || openAi.finished();
        }
    }
}
