package dev.switchboard.providers.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.ChatRequest;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.api.Usage;
import dev.switchboard.providers.Json;
import dev.switchboard.providers.StreamDecoder;
import dev.switchboard.providers.UpstreamRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Sends an adapter's {@link UpstreamRequest} (method, URL, headers, body) over real HTTP with the JDK client, as
 * the pipeline would, and hands back what came: adapter tests then feed it to {@code fromChatResponse}, the
 * stream decoder line by line, or {@code classify}. Shared by the adapter tests against the fakes.
 */
public final class UpstreamCall {
    /** Long enough for any fake answer; fake-hang is tested with its own short timeout. */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)          // the fakes are JDK HttpServers: no h2c upgrade dance
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    private UpstreamCall() {
    }

    /** A whole answer: status, headers (looked up case-insensitively, as classify expects) and body. */
    public record Answer(int status, Function<String, String> header, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * What a stream gave through a decoder: the chunks, whether the decoder saw the end marker, and how the
     * stream stopped early (a failure the decoder threw, or a connection that broke).
     */
    public record Streamed(int status, String contentType, List<ChatChunk> chunks, boolean finished,
                           ProviderFailure failure, IOException broken) {

        /** The text of every {@code delta.content}, in order. */
        public String text() {
            StringBuilder text = new StringBuilder();
            chunks.forEach(c -> c.json().path("choices").forEach(ch -> text.append(ch.path("delta").path("content").asText(""))));
            return text.toString();
        }

        /** The usage of the last chunk that carried one, as the relay records it; null when none did. */
        public Usage usage() {
            return chunks.stream().map(ChatChunk::usage).filter(Objects::nonNull).reduce((a, b) -> b).orElse(null);
        }

        /** The finish reason of the stream, or null. */
        public String finishReason() {
            return chunks.stream().map(ChatChunk::finishReason).filter(Objects::nonNull).findFirst().orElse(null);
        }
    }

    /**
     * A caller's chat request in OpenAI's shape, as the front door hands it on: one user turn ("Say hello"),
     * {@code "stream"} set as asked, and the fields of {@code extraJson} (a JSON object, may be "{}") merged in.
     */
    public static ChatRequest chat(String model, boolean stream, String extraJson) {
        try {
            ObjectNode body = (ObjectNode) Json.MAPPER.readTree("{\"model\":\"" + model + "\",\"stream\":" + stream
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}");
            body.setAll((ObjectNode) Json.MAPPER.readTree(extraJson));
            return new ChatRequest(model, body, stream, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ChatRequest chat(String model, boolean stream) {
        return chat(model, stream, "{}");
    }

    public static Answer send(UpstreamRequest request) {
        try {
            return sendOrFail(request, TIMEOUT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** As {@link #send}, but the transport failure (timeout, cut body) is thrown for the test to inspect. */
    public static Answer sendOrFail(UpstreamRequest request, Duration timeout) throws IOException {
        try {
            HttpResponse<byte[]> response = CLIENT.send(build(request, timeout), HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(response.statusCode(), name -> response.headers().firstValue(name).orElse(null), response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /**
     * Sends the request and feeds the answer's lines to {@code decoder} until its end marker, the end of the
     * body, a failure it throws, or a broken connection. A non-2xx answer is returned without decoding.
     */
    public static Streamed stream(UpstreamRequest request, StreamDecoder decoder) {
        HttpResponse<InputStream> response;
        try {
            response = CLIENT.send(build(request, TIMEOUT), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        String contentType = response.headers().firstValue("content-type").orElse(null);
        List<ChatChunk> chunks = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            if (response.statusCode() / 100 != 2) {
                return new Streamed(response.statusCode(), contentType, chunks, false, null, null);
            }
            String line;
            while (!decoder.finished() && (line = lines.readLine()) != null) {
                chunks.addAll(decoder.decode(line));
            }
            return new Streamed(response.statusCode(), contentType, chunks, decoder.finished(), null, null);
        } catch (ProviderFailure failure) {
            return new Streamed(response.statusCode(), contentType, chunks, decoder.finished(), failure, null);
        } catch (IOException broken) {
            return new Streamed(response.statusCode(), contentType, chunks, decoder.finished(), null, broken);
        }
    }

    private static HttpRequest build(UpstreamRequest request, Duration timeout) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(request.url())).timeout(timeout)
                .method(request.method(), request.body().length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(request.body()));
        request.headers().forEach(builder::header);
        return builder.build();
    }
}
