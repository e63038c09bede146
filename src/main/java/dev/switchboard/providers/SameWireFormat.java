package dev.switchboard.providers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatRequest;
import dev.switchboard.api.ChatResponse;
import java.util.Map;

/**
 * A capability of an adapter whose wire format is also a front door's (Anthropic's Messages API, OpenAI's
 * Responses API): a request that came in that format goes out from the caller's own body, so what the canonical
 * request cannot hold (Anthropic's {@code thinking}, {@code top_k}, {@code mcp_servers}, server tools, thinking
 * blocks in the history; the Responses API's hosted tools and {@code include}) passes through untouched, while what the gateway changed in the canonical request (a rule's parameter, a fitted
 * conversation) still applies. The answer comes back as the provider sent it, beside its canonical reading.
 */
public interface SameWireFormat {

    /** The front door format this adapter speaks natively: {@code "anthropic"} or {@code "responses"}. */
    String wireFormat();

    /**
     * The call for a request the caller sent in this format.
     *
     * @param callerBody    the caller's request as received (read only)
     * @param callerHeaders the provider-specific headers the front door kept from the caller (e.g. {@code anthropic-beta})
     * @param canonical     the canonical request as the pipeline made it for this model
     */
    UpstreamRequest toChatRequest(ObjectNode callerBody, Map<String, String> callerHeaders, ChatRequest canonical,
                                  String upstreamModel, ProviderAdapter.Credentials credentials);

    /**
     * The canonical reading of a whole answer to such a request. By default the adapter's own chat answer: for
     * adapters whose chat format is the front door's (Anthropic); OpenAI answers a Responses request otherwise.
     */
    default ChatResponse fromWireResponse(byte[] body) {
        return ((ProviderAdapter) this).fromChatResponse(body);
    }

    /**
     * A stream decoder whose chunks also carry each provider event as it came ({@link dev.switchboard.api.ChatChunk#raw()},
     * the whole SSE event), so a caller of the same format gets the provider's stream unchanged.
     */
    StreamDecoder relayDecoder();
}
