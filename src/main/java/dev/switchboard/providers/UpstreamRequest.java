package dev.switchboard.providers;

import java.util.Map;

/** What to send a provider: the full URL, the headers (auth included) and the JSON body. */
public record UpstreamRequest(String url, Map<String, String> headers, byte[] body) {
    public UpstreamRequest {
        headers = Map.copyOf(headers);
    }

    /** Never print headers: they hold the provider key. */
    @Override
    public String toString() {
        return "UpstreamRequest[" + url + ", " + body.length + " bytes]";
    }
}
