package dev.switchboard.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.providers.Json;
import dev.switchboard.tokens.TokenCounter.Scheme;
import org.junit.jupiter.api.Test;

/** Token counts against the figures OpenAI publishes for its tokenizers and its chat format. */
class TokenCounterTest {
    /** OpenAI cookbook "How to count tokens with tiktoken": the API reports 129 prompt tokens at gpt-4 and 124 at gpt-4o. */
    private static final String COOKBOOK = """
            {"messages":[
              {"role":"system","content":"You are a helpful, pattern-following assistant that translates corporate jargon into plain English."},
              {"role":"system","name":"example_user","content":"New synergies will help drive top-line growth."},
              {"role":"system","name":"example_assistant","content":"Things working well together will increase revenue."},
              {"role":"system","name":"example_user","content":"Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."},
              {"role":"system","name":"example_assistant","content":"Let's talk later when we're less busy about how to do better."},
              {"role":"user","content":"This late pivot means we don't have time to boil the ocean for the client deliverable."}]}
            """;

    @Test
    void should_count_texts_as_openais_tokenizers_do() {
        assertEquals(2, Scheme.O200K_BASE.text("hello world"));
        assertEquals(2, Scheme.CL100K_BASE.text("hello world"));
        assertEquals(6, Scheme.CL100K_BASE.text("tiktoken is great!"));
        assertEquals(6, Scheme.CL100K_BASE.text("antidisestablishmentarianism"));
    }

    @Test
    void should_count_a_chat_prompt_as_openais_api_reports_it() throws Exception {
        JsonNode body = Json.MAPPER.readTree(COOKBOOK);
        assertEquals(129, TokenCounter.chatPrompt(body, Scheme.CL100K_BASE));
        assertEquals(124, TokenCounter.chatPrompt(body, Scheme.O200K_BASE));
        JsonNode hello = Json.MAPPER.readTree("{\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}]}");
        assertEquals(3 + 1 + 2 + 3, TokenCounter.chatPrompt(hello, Scheme.O200K_BASE), "framing, 'user', 'hello world', the reply priming");
    }

    @Test
    void should_count_long_texts_the_same_when_seen_again() {
        String text = "The quick brown fox jumps over the lazy dog. ".repeat(50);
        long first = Scheme.O200K_BASE.text(text);
        assertEquals(first, Scheme.O200K_BASE.text(new String(text.toCharArray())));
        assertEquals(50 * 10 + 1, first, "ten tokens a sentence (its words with their spaces, the period), and the last space");
    }

    @Test
    void should_count_tool_calls_tool_definitions_and_images() throws Exception {
        JsonNode plain = Json.MAPPER.readTree("{\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}]}");
        JsonNode withTools = Json.MAPPER.readTree("""
                {"messages":[{"role":"user","content":"hello world"}],
                 "tools":[{"type":"function","function":{"name":"lookup_order","parameters":{"type":"object"}}}]}""");
        assertTrue(TokenCounter.chatPrompt(withTools, Scheme.O200K_BASE) > TokenCounter.chatPrompt(plain, Scheme.O200K_BASE) + 10);
        JsonNode call = Json.MAPPER.readTree("""
                {"messages":[{"role":"assistant","tool_calls":[{"id":"c1","type":"function",
                  "function":{"name":"lookup_order","arguments":"{\\"number\\":\\"A-1042\\"}"}}]},
                 {"role":"tool","tool_call_id":"c1","content":"shipped"}]}""");
        long arguments = Scheme.O200K_BASE.text("{\"number\":\"A-1042\"}") + Scheme.O200K_BASE.text("lookup_order");
        assertTrue(TokenCounter.chatPrompt(call, Scheme.O200K_BASE) > arguments + 2 * TokenCounter.PER_MESSAGE);
        JsonNode image = Json.MAPPER.readTree("""
                {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,%s"}}]}]}"""
                .formatted("A".repeat(100_000)));
        assertEquals(3 + 1 + TokenCounter.IMAGE_TOKENS + 3, TokenCounter.chatPrompt(image, Scheme.O200K_BASE),
                "an image at its flat rate, never by its base64 length");
    }

    @Test
    void should_pick_the_tokenizer_by_provider_type_and_model_id() {
        for (String id : new String[] {"gpt-4o", "gpt-4o-mini", "gpt-4.1-mini", "o1", "o3-mini", "o4-mini", "gpt-5", "chatgpt-4o-latest"}) {
            assertEquals(Scheme.O200K_BASE, TokenCounter.scheme("openai", id), id);
        }
        for (String id : new String[] {"gpt-4", "gpt-4-turbo", "gpt-3.5-turbo", "text-embedding-3-small"}) {
            assertEquals(Scheme.CL100K_BASE, TokenCounter.scheme("openai", id), id);
        }
        assertEquals(Scheme.ANTHROPIC, TokenCounter.scheme("anthropic", "claude-sonnet-4-5"));
        assertEquals(Scheme.GEMINI, TokenCounter.scheme("gemini", "gemini-2.5-flash"));
        assertEquals(Scheme.OTHER, TokenCounter.scheme("ollama", "llama3.2"));
        assertEquals(Scheme.OTHER, TokenCounter.scheme(null, null));
    }

    @Test
    void should_estimate_other_providers_above_openais_count() throws Exception {
        JsonNode body = Json.MAPPER.readTree(COOKBOOK);
        assertEquals((long) Math.ceil(124 * 1.35), TokenCounter.chatPrompt(body, Scheme.ANTHROPIC));
        assertEquals((long) Math.ceil(124 * 1.15), TokenCounter.chatPrompt(body, Scheme.GEMINI));
        assertEquals((long) Math.ceil(124 * 1.35), TokenCounter.chatPrompt(body, Scheme.OTHER));
    }

    /**
     * The hand-written o200k_base splitter against jtokkit's regular expression, on random texts made of what the
     * expression treats apart: capitals, small letters, digits, contractions, punctuation, every kind of white space,
     * and a few characters beyond ASCII (where the expression itself counts: a long s is an s to {@code (?i:'s)}).
     */
    @Test
    void should_count_texts_exactly_as_the_o200k_expression_does() {
        var reference = com.knuddels.jtokkit.Encodings.newLazyEncodingRegistry().getEncoding(com.knuddels.jtokkit.api.EncodingType.O200K_BASE);
        String[] atoms = {"a", "b", "Z", "HT", "ml", "e", "0", "7", "12", "'", "'s", "'S", "'re", "'LL", "'d", "'x", ".", ",", "!", "/",
                "-", "(", "\"", " ", "  ", "\t", "\n", "\r", "\r\n", "\u000B", "\f", "\u0001", "\u007F", "_", "word", "Word", "WORD",
                "\u00e9", "\u017f", "\u65e5\u672c", "\u00a0"};
        java.util.Random random = new java.util.Random(14);
        for (int round = 0; round < 20_000; round++) {
            StringBuilder text = new StringBuilder();
            int parts = random.nextInt(24);
            for (int p = 0; p < parts; p++) {
                text.append(atoms[random.nextInt(atoms.length)]);
            }
            String t = text.toString();
            assertEquals(reference.countTokensOrdinary(t), Scheme.O200K_BASE.text(t), () -> "text: " + t.replace("\n", "\\n")
                    .replace("\r", "\\r").replace("\t", "\\t"));
        }
    }
}
