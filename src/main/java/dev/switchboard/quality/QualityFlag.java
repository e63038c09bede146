package dev.switchboard.quality;

import java.util.Locale;

/** What the automatic checks can find wrong with an answer; stored by {@link #label()} in {@code quality_check.flags}. */
public enum QualityFlag {
    /** No text and no tool call. */
    EMPTY,
    /** Cut by the token limit ({@code finish_reason: length}). */
    LENGTH,
    /** The model declined (its {@code refusal} field, or a refusal phrase opening the answer). */
    REFUSAL,
    /** Stopped by the provider's content filter ({@code finish_reason: content_filter}). */
    CONTENT_FILTER,
    /** {@code response_format} asked for JSON and the answer is not a JSON value of the asked kind. */
    INVALID_JSON,
    /** {@code response_format: json_schema} and the answer's JSON breaks the schema. */
    SCHEMA_VIOLATION,
    /** A tool call whose {@code arguments} are not a JSON object. */
    INVALID_TOOL_ARGUMENTS,
    /** The answer is confidently in another language than the one asked in (see {@link LanguageGuess}). */
    WRONG_LANGUAGE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
