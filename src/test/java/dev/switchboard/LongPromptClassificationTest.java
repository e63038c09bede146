package dev.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.support.Gateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 9 item 2: one prompt pinned a core. A 60,000-digit prompt took 32 s of CPU in the request classifier and
 * a mebibyte took hours (its regular expressions were quadratic); anonymous callers and viewers trying a rule
 * could send one. Now each shape is answered like any other prompt.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LongPromptClassificationTest {
    private static final int MEBIBYTE = 1 << 20;
    /** The management API takes bodies up to 1 MiB, so its sample prompt leaves room for the JSON around it. */
    private static final int RULE_TEST_PROMPT_CHARS = MEBIBYTE - 4096;
    /**
     * Guards against a hang, not a speed claim (JMH's PromptFeaturesBenchmark measures speed): the old classifier
     * needed minutes to hours for each of these prompts, a request takes well under a second now.
     */
    private static final Duration HANG_GUARD = Duration.ofSeconds(10);

    private Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.start();
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "1+", "`", "def ", "[(", "9 "})
    void should_answer_a_mebibyte_prompt_of_one_repeated_shape_promptly(String shape) {
        String body = chat(shape.repeat(MEBIBYTE / shape.length()));
        HttpResponse<String> answer = assertTimeoutPreemptively(HANG_GUARD, () -> gw.postChat(body));
        assertEquals(200, answer.statusCode(), () -> answer.body().substring(0, Math.min(500, answer.body().length())));
        assertEquals("gpt-4o-mini", answer.headers().firstValue("x-switchboard-model").orElse(""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "def "})
    void should_let_a_viewer_try_a_rule_on_a_huge_prompt_promptly(String shape) throws Exception {
        String viewer = gw.createToken("viewer-" + System.nanoTime(), "viewer");
        String body = chat(shape.repeat(RULE_TEST_PROMPT_CHARS / shape.length()));
        HttpResponse<String> decision = assertTimeoutPreemptively(HANG_GUARD, () -> gw.send(HttpRequest.newBuilder(
                        URI.create(gw.managementUrl() + "/admin/api/rules/test"))
                .header("Authorization", "Bearer " + viewer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build()));
        assertEquals(200, decision.statusCode(), decision.body());
        assertEquals("gpt-4o-mini", Gateway.MAPPER.readTree(decision.body()).path("model").asText());
    }

    private static String chat(String prompt) {
        ObjectNode body = Gateway.MAPPER.createObjectNode().put("model", "gpt-4o-mini");
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        return body.toString();
    }
}
