package dev.switchboard.providers.anthropic;

import dev.switchboard.api.ChatChunk;
import dev.switchboard.providers.Json;
import dev.switchboard.providers.StreamDecoder;
import java.util.ArrayList;
import java.util.List;

/**
 * Anthropic's stream for a caller that speaks Anthropic too: each event is read as canonical chunks (usage,
 * finish and text for the record, the cache and the checks) by {@link AnthropicStreamDecoder}, and also kept
 * whole, as it came, in the first chunk's {@link ChatChunk#raw()}, so thinking, signatures, server-tool and MCP
 * blocks reach the caller unchanged. An event with no canonical reading (ping, a thinking block's start) gets a
 * chunk of its own with no choices. Created per request and not thread-safe.
 */
final class AnthropicRelayDecoder implements StreamDecoder {
    private final AnthropicStreamDecoder canonical = new AnthropicStreamDecoder();
    private String event;

    @Override
    public List<ChatChunk> decode(String line) {
        if (line.startsWith("event:")) {
            event = line.substring(6).trim();
        }
        List<ChatChunk> chunks = canonical.decode(line);
        if (!line.startsWith("data:") || line.substring(5).isBlank()) {
            if (line.isEmpty()) {
                event = null;
            }
            return chunks;
        }
        String raw = (event == null ? "" : "event: " + event + "\n") + "data: " + line.substring(5).trim() + "\n\n";
        List<ChatChunk> out = new ArrayList<>(Math.max(1, chunks.size()));
        if (chunks.isEmpty()) {
            var json = Json.MAPPER.createObjectNode();
            json.putArray("choices");
            out.add(new ChatChunk(json, null, false, null, raw));
            return out;
        }
        for (int i = 0; i < chunks.size(); i++) {
            ChatChunk c = chunks.get(i);
            out.add(new ChatChunk(c.json(), c.usage(), c.content(), c.finishReason(), i == 0 ? raw : ""));
        }
        return out;
    }

    @Override
    public boolean finished() {
        return canonical.finished();
    }
}
