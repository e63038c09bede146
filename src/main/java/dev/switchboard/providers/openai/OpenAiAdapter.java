package dev.switchboard.providers.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatRequest;
import dev.switchboard.api.ChatResponse;
import dev.switchboard.providers.Json;
import dev.switchboard.providers.SameWireFormat;
import dev.switchboard.providers.StreamDecoder;
import dev.switchboard.providers.UpstreamRequest;
import java.util.Map;

/**
 * OpenAI itself (catalog type {@code openai}): chat completions as every OpenAI dialect, and also the Responses
 * API ({@code POST {base}/responses}), so a Responses request it serves goes out as the caller sent it (hosted
 * tools, reasoning and every field the canonical request cannot hold included) and its answer and events come
 * back as OpenAI sent them.
 */
public class OpenAiAdapter extends OpenAiCompatibleAdapter implements SameWireFormat {

    @Override
    public String wireFormat() {
        return "responses";
    }

    /**
     * The caller's Responses request as the pipeline hands it over: its previous turns resolved into the input and
     * the pipeline's changes applied ({@code dev.switchboard.responses.ResponsesPassThrough}).
     */
    @Override
    public UpstreamRequest toChatRequest(ObjectNode callerBody, Map<String, String> callerHeaders, ChatRequest canonical,
                                         String upstreamModel, Credentials credentials) {
        ObjectNode body = callerBody.deepCopy();
        body.put("model", upstreamModel);
        if (canonical.stream()) {
            body.put("stream", true);
        } else {
            body.remove("stream");
        }
        return UpstreamRequest.post(credentials.baseUrl() + "/responses", headers(credentials, canonical.stream()), Json.bytes(body));
    }

    @Override
    public ChatResponse fromWireResponse(byte[] body) {
        return ResponsesWire.read(body);
    }

    @Override
    public StreamDecoder relayDecoder() {
        return new ResponsesRelayDecoder();
    }
}
