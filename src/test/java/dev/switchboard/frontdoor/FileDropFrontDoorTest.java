package dev.switchboard.frontdoor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped sample routes/file-drop.yaml: request files dropped into the data folder's inbox are answered into its
 * outbox. The gateway runs with a provider key and no anonymous setting, so only callers on this machine are served
 * without an agent key: a file-drop caller is one.
 */
class FileDropFrontDoorTest {
    private static Gateway gw;
    private static Path inbox;
    private static Path outbox;

    @BeforeAll
    static void start() throws IOException {
        gw = Gateway.start(Map.of("SWITCHBOARD_ALLOW_ANONYMOUS", ""));
        Path data = gw.dir.resolve("data");
        inbox = Files.createDirectories(data.resolve("inbox"));
        outbox = data.resolve("outbox");
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @Test
    void should_answer_a_dropped_request_into_the_outbox_and_record_it_with_entry_file() throws IOException {
        drop("ask.json", Gateway.chatBody("gpt-4o-mini", "hi"));

        JsonNode answer = answer("ask.json");
        assertEquals("Hello from gpt-4o-mini", answer.at("/choices/0/message/content").asText(), answer.toString());
        assertTrue(Files.exists(inbox.resolve(".done/ask.json")), "the request is moved out of the inbox");
        JsonNode row = Await.until("a usage row with entry file", Gateway.TIMEOUT, FileDropFrontDoorTest::fileRow, java.util.Objects::nonNull);
        assertEquals("gpt-4o-mini", row.path("model").asText());
        assertEquals("file-drop", row.path("caller").asText());
        assertEquals(200, row.path("status").asInt());
    }

    @Test
    void should_answer_a_broken_request_with_the_openai_error_in_the_outbox() throws IOException {
        drop("broken.json", "{\"messages\": [");

        JsonNode answer = answer("broken.json");
        assertEquals("invalid_json", answer.at("/error/code").asText(), answer.toString());
        assertTrue(Files.exists(inbox.resolve(".done/broken.json")));
    }

    @Test
    void should_answer_a_name_used_again() throws IOException {
        drop("again.json", Gateway.chatBody("gpt-4o-mini", "first"));
        answer("again.json");
        Await.until("the first request leaves the inbox", Gateway.TIMEOUT, () -> Files.exists(inbox.resolve("again.json")), gone -> !gone);
        Files.delete(outbox.resolve("again.json"));

        drop("again.json", Gateway.chatBody("gpt-4o-mini", "second"));
        JsonNode second = answer("again.json");
        assertEquals("Hello from gpt-4o-mini", second.at("/choices/0/message/content").asText(), second.toString());
        Await.until("the second request leaves the inbox", Gateway.TIMEOUT, () -> Files.exists(inbox.resolve("again.json")), gone -> !gone);
        assertTrue(Files.readString(inbox.resolve(".done/again.json")).contains("second"), "the done copy is the latest request");
    }

    /** Written under another name and renamed, as routes/file-drop.yaml asks: the gateway never reads half a file. */
    private static void drop(String name, String json) throws IOException {
        Path part = Files.writeString(inbox.resolve(name + ".part"), json);
        Files.move(part, inbox.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static JsonNode answer(String name) {
        Path file = outbox.resolve(name);
        return Await.until("outbox/" + name, Gateway.TIMEOUT, () -> {
            try {
                return Files.exists(file) ? Gateway.MAPPER.readTree(Files.readString(file)) : null;
            } catch (IOException e) {
                return null;
            }
        }, java.util.Objects::nonNull);
    }

    private static JsonNode fileRow() {
        try {
            for (JsonNode row : Gateway.MAPPER.readTree(gw.get(gw.managementUrl() + "/admin/api/usage?limit=500").body()).path("data")) {
                if (row.path("entry").asText().equals("file") && row.path("model").asText().equals("gpt-4o-mini")) {
                    return row;
                }
            }
            return null;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
