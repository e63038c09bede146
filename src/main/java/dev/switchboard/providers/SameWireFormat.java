package dev.switchboard.providers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatRequest;
import java.util.Map;

/**
 * A capability of an adapter whose wire format is also a front door's (Anthropic's Messages API): a request
 * that came in that format goes out from the caller's own body, so what the canonical request cannot hold
 * (Anthropic's {@code thinking}, {@code top_k}, {@code mcp_servers}, server tools, thinking blocks in the history)
 * passes through untouched, while what the gateway changed in the canonical request (a rule's parameter, a fitted
 * conversation) still applies. The answer comes back as the provider sent it, beside its canonical reading.
 */
public interface SameWireFormat {

    /** The front door format this adapter speaks natively, e.g. {@code "anthropic"}. */
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
     * A stream decoder whose chunks also carry each provider event as it came ({@link dev.switchboard.api.ChatChunk#raw()},
     * the whole SSE event), so a caller of the same format gets the provider's stream unchanged.
     */
    StreamDecoder relayDecoder();
}
