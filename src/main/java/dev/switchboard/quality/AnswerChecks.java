package dev.switchboard.quality;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.api.ChatRequest;
import dev.switchboard.api.ChatResponse;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The automatic checks of one answer against its request: a pure function, run off the response path. Every
 * choice of the answer is checked; the flags of all of them are returned.
 *
 * <p>Refusals are recognised by the provider's {@code refusal} field or by one of {@link #REFUSAL_PHRASES} within the
 * first {@value #REFUSAL_WINDOW_CHARS} characters of the answer (a refusal opens the answer; the same words deep in a
 * long answer are usually quoted or conditional). Languages: see {@link LanguageGuess}; answers asked as JSON and
 * tool calls are not language-checked.
 */
public final class AnswerChecks {
    static final int REFUSAL_WINDOW_CHARS = 200;
    /** Lower case, straight apostrophes: how models open a refusal in English. */
    static final List<String> REFUSAL_PHRASES = List.of("i'm sorry, but i can't", "i'm sorry, but i cannot", "i am sorry, but i cannot",
            "i can't help with", "i cannot help with", "i can't assist with", "i cannot assist with", "i'm unable to help",
            "i am unable to help", "i'm not able to help", "i won't be able to help", "i can't comply", "i cannot comply",
            "i must decline", "i can't provide", "i cannot provide", "as an ai language model, i cannot");
    /** Strict: trailing text after the JSON value (a model's "Here you go: {...} hope this helps") is invalid. */
    private static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private AnswerChecks() {
    }

    public static Set<QualityFlag> check(ChatRequest request, ChatResponse response) {
        Set<QualityFlag> flags = EnumSet.noneOf(QualityFlag.class);
        JsonNode choices = response.body().path("choices");
        if (!choices.isArray() || choices.isEmpty()) {
            flags.add(QualityFlag.EMPTY);
            return flags;
        }
        for (JsonNode choice : choices) {
            checkChoice(request, choice, response.finishReason(), flags);
        }
        return flags;
    }

    private static void checkChoice(ChatRequest request, JsonNode choice, String fallbackFinish, Set<QualityFlag> flags) {
        JsonNode message = choice.path("message");
        String text = text(message.path("content"));
        JsonNode toolCalls = message.path("tool_calls");
        boolean hasToolCalls = toolCalls.isArray() && !toolCalls.isEmpty();
        String finish = choice.path("finish_reason").asText(fallbackFinish == null ? "" : fallbackFinish);
        boolean refused = message.path("refusal").isTextual() && !message.path("refusal").asText().isBlank() || opensWithRefusal(text);
        if (text.isBlank() && !hasToolCalls && !refused) {
            flags.add(QualityFlag.EMPTY);
        }
        if ("length".equals(finish)) {
            flags.add(QualityFlag.LENGTH);
        }
        if ("content_filter".equals(finish)) {
            flags.add(QualityFlag.CONTENT_FILTER);
        }
        if (refused) {
            flags.add(QualityFlag.REFUSAL);
        }
        if (hasToolCalls && !toolArgumentsValid(toolCalls)) {
            flags.add(QualityFlag.INVALID_TOOL_ARGUMENTS);
        }
        JsonNode format = request.body().path("response_format");
        String formatType = format.path("type").asText("");
        boolean json = formatType.equals("json_object") || formatType.equals("json_schema");
        if (json && !refused && !(hasToolCalls && text.isBlank())) {
            checkJson(format, formatType, text, flags);
        } else if (!json && !hasToolCalls && !refused) {
            checkLanguage(request, text, flags);
        }
    }

    private static void checkJson(JsonNode format, String type, String text, Set<QualityFlag> flags) {
        Optional<JsonNode> parsed = parse(text);
        if (parsed.isEmpty() || type.equals("json_object") && !parsed.get().isObject()) {
            flags.add(QualityFlag.INVALID_JSON);
            return;
        }
        if (type.equals("json_schema") && SchemaCheck.violates(format.path("json_schema").get("schema"), parsed.get()).orElse(false)) {
            flags.add(QualityFlag.SCHEMA_VIOLATION);
        }
    }

    private static void checkLanguage(ChatRequest request, String answer, Set<QualityFlag> flags) {
        Optional<String> asked = LanguageGuess.asked(lastUserText(request));
        Optional<String> answered = LanguageGuess.of(answer);
        if (asked.isPresent() && answered.isPresent() && !asked.get().equals(answered.get())) {
            flags.add(QualityFlag.WRONG_LANGUAGE);
        }
    }

    /** Every tool call's {@code function.arguments} must be a JSON object (as text, the way OpenAI sends it). */
    private static boolean toolArgumentsValid(JsonNode toolCalls) {
        for (JsonNode call : toolCalls) {
            JsonNode function = call.path("function");
            if (function.isMissingNode()) {
                continue; // a custom tool's free-text input is not JSON by design
            }
            JsonNode arguments = function.path("arguments");
            Optional<JsonNode> parsed = arguments.isTextual() ? parse(arguments.asText()) : Optional.of(arguments);
            if (parsed.isEmpty() || !parsed.get().isObject()) {
                return false;
            }
        }
        return true;
    }

    static boolean opensWithRefusal(String text) {
        String opening = text.strip();
        opening = opening.substring(0, Math.min(opening.length(), REFUSAL_WINDOW_CHARS)).toLowerCase(Locale.ROOT).replace('\u2019', '\'');
        for (String phrase : REFUSAL_PHRASES) {
            if (opening.contains(phrase)) {
                return true;
            }
        }
        return false;
    }

    private static String lastUserText(ChatRequest request) {
        JsonNode messages = request.messages();
        for (int i = messages.size() - 1; i >= 0; i--) {
            if ("user".equals(messages.get(i).path("role").asText())) {
                return text(messages.get(i).path("content"));
            }
        }
        return "";
    }

    /** String content, or the text parts of content given as parts. */
    static String text(JsonNode content) {
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder sb = new StringBuilder();
        if (content.isArray()) {
            for (JsonNode part : content) {
                sb.append(part.path("text").asText(""));
            }
        }
        return sb.toString();
    }

    private static Optional<JsonNode> parse(String text) {
        if (text.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(STRICT.readTree(text));
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }
}
