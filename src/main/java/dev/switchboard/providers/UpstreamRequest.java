package dev.switchboard.providers;

import java.util.Map;

/** What to send a provider: method, full URL, headers (auth included) and body (empty for a GET). */
public record UpstreamRequest(String method, String url, Map<String, String> headers, byte[] body) {
    public UpstreamRequest {
        headers = Map.copyOf(headers);
    }

    public static UpstreamRequest post(String url, Map<String, String> headers, byte[] body) {
        return new UpstreamRequest("POST", url, headers, body);
    }

    public static UpstreamRequest get(String url, Map<String, String> headers) {
        return new UpstreamRequest("GET", url, headers, new byte[0]);
    }

    /** Never print headers: they hold the provider key. */
    @Override
    public String toString() {
        return "UpstreamRequest[" + method + " " + url + ", " + body.length + " bytes]";
    }
}
