package dev.switchboard.pipeline;

import dev.switchboard.api.GatewayError;
import dev.switchboard.recording.UsageWriter;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.camel.Message;

/**
 * The limits of what a caller chooses that ends in a usage row or in routing: agent, tags, task type, tier and
 * model names, from HTTP headers or the same names as JMS properties. Sized to the usage table's columns, so
 * no caller can send a row the database refuses (which once held up every row after it), and free of control
 * characters, which some databases cannot store. Refused with a 400 naming the header, property or field.
 */
final class CallerInput {
    static final int MAX_AGENT_CHARS = UsageWriter.CALLER_CHARS;
    static final int MAX_MODEL_CHARS = UsageWriter.MODEL_CHARS;
    /** Tags per request: with their commas they fill at most two thirds of the tags column; the gateway adds its own. */
    static final int MAX_TAGS = 16;
    static final int MAX_TAG_CHARS = 40;
    /** Task type and tier are short words from a fixed list; anything longer is refused before it is echoed. */
    static final int MAX_WORD_CHARS = 32;

    private CallerInput() {
    }

    /**
     * The first of {@code names} the caller set (an HTTP header or a JMS property), trimmed; null when none is set.
     * Refused when longer than {@code maxChars} or holding a control character.
     */
    static String header(Message in, int maxChars, String... names) {
        Named found = find(in, names);
        return found == null ? null : checked(found.name(), found.value(), maxChars);
    }

    /**
     * The tags of a comma-separated list: blanks dropped and duplicates merged ({@code a,a} is the tag
     * {@code a}), at most {@link #MAX_TAGS} of at most {@link #MAX_TAG_CHARS} characters each.
     */
    static Set<String> tags(Message in, String... names) {
        Named found = find(in, names);
        if (found == null) {
            return Set.of();
        }
        Set<String> tags = new LinkedHashSet<>();
        for (String tag : found.value().split(",")) {
            if (!tag.isBlank() && tags.add(checked(found.name(), tag.trim(), MAX_TAG_CHARS)) && tags.size() > MAX_TAGS) {
                throw GatewayError.badRequest(found.name(), found.name() + " may hold at most " + MAX_TAGS + " distinct tags");
            }
        }
        return tags;
    }

    /** A requested model name ({@code gpt-4o}, {@code provider/model-id}), as long as the usage row can hold. */
    static String model(String model) {
        return model == null ? null : checked("model", model, MAX_MODEL_CHARS);
    }

    private record Named(String name, String value) {
    }

    private static Named find(Message in, String... names) {
        for (String name : names) {
            String v = in.getHeader(name, String.class);
            if (v != null && !v.isBlank()) {
                return new Named(name, v.trim());
            }
        }
        return null;
    }

    private static String checked(String param, String value, int maxChars) {
        if (value.length() > maxChars) {
            throw GatewayError.badRequest(param, param + " may be at most " + maxChars + " characters long, got " + value.length());
        }
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw GatewayError.badRequest(param, param + " must not contain control characters");
        }
        return value;
    }
}
