package dev.switchboard.quality;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.api.GatewayError;
import java.util.Iterator;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A caller's rating of one answer, validated. Scores come on one of two scales and are stored on one:
 * <ul>
 *   <li>{@code thumbs}: -1 (bad) to 1 (good), any number between;</li>
 *   <li>{@code stars}: 1 to 5.</li>
 * </ul>
 * The caller may name the scale ({@code "scale": "thumbs" | "stars"}); unnamed, a score from -1 to 1 is read as
 * thumbs and one above 1 up to 5 as stars (so a one-star rating needs {@code "scale": "stars"}). Every score is
 * normalised to -1..1: thumbs as sent, stars as {@code (stars - 3) / 2} (1 → -1, 3 → 0, 5 → 1).
 */
record FeedbackRequest(String requestId, double rawScore, String scale, double score, String label, String comment) {
    static final String THUMBS = "thumbs";
    static final String STARS = "stars";
    static final int MAX_LABEL_CHARS = 64;
    static final int MAX_COMMENT_CHARS = 2000;
    private static final double STARS_MIN = 1;
    private static final double STARS_MAX = 5;
    private static final double STARS_MIDDLE = 3;
    private static final double STARS_HALF_RANGE = 2;
    /** The gateway's request ids: "req-" and a UUID (x-switchboard-request-id). */
    private static final Pattern REQUEST_ID = Pattern.compile("req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    /** Labels are for grouping and filtering: letters, digits and a few separators, nothing markup or a shell would read. */
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 _.:/-]*");
    private static final Set<String> FIELDS = Set.of("request_id", "score", "scale", "label", "comment");

    static FeedbackRequest parse(JsonNode body) {
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw GatewayError.badRequest(name, "Unknown field '" + name + "'; feedback has " + new java.util.TreeSet<>(FIELDS));
            }
        }
        String requestId = requestId(body.get("request_id"));
        JsonNode score = body.get("score");
        if (score == null || score.isNull() || !score.isNumber() || !Double.isFinite(score.asDouble())) {
            throw GatewayError.badRequest("score", "'score' is required: a number from -1 to 1 (thumbs) or from 1 to 5 (stars), got "
                    + (score == null ? "nothing" : score.toString()));
        }
        double raw = score.asDouble();
        String scale = scale(body.get("scale"), raw);
        double normalised = scale.equals(THUMBS) ? raw : (raw - STARS_MIDDLE) / STARS_HALF_RANGE;
        return new FeedbackRequest(requestId, raw, scale, normalised, label(body.get("label")), comment(body.get("comment")));
    }

    private static String requestId(JsonNode v) {
        if (v == null || !v.isTextual() || !REQUEST_ID.matcher(v.asText()).matches()) {
            throw GatewayError.badRequest("request_id", "'request_id' is required: the x-switchboard-request-id of the answer "
                    + "(req-<uuid>, lower case)");
        }
        return v.asText();
    }

    private static String scale(JsonNode v, double raw) {
        String scale;
        if (v == null || v.isNull()) {
            scale = raw >= -1 && raw <= 1 ? THUMBS : STARS;
        } else if (v.isTextual() && (v.asText().equals(THUMBS) || v.asText().equals(STARS))) {
            scale = v.asText();
        } else {
            throw GatewayError.badRequest("scale", "'scale' must be \"thumbs\" (-1 to 1) or \"stars\" (1 to 5), got " + v);
        }
        boolean inRange = scale.equals(THUMBS) ? raw >= -1 && raw <= 1 : raw >= STARS_MIN && raw <= STARS_MAX;
        if (!inRange) {
            throw GatewayError.badRequest("score", "'score' must be from -1 to 1 (thumbs) or from 1 to 5 (stars)"
                    + (v == null || v.isNull() ? "" : " on the scale '" + scale + "'") + ", got " + raw);
        }
        return scale;
    }

    private static String label(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() || v.asText().length() > MAX_LABEL_CHARS || !LABEL.matcher(v.asText()).matches()) {
            throw GatewayError.badRequest("label", "'label' must be a string of at most " + MAX_LABEL_CHARS
                    + " characters: letters, digits, space, '_', '.', ':', '/', '-', starting with a letter or digit");
        }
        return v.asText();
    }

    private static String comment(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() || v.asText().length() > MAX_COMMENT_CHARS) {
            throw GatewayError.badRequest("comment", "'comment' must be a string of at most " + MAX_COMMENT_CHARS + " characters");
        }
        String text = v.asText();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) && c != '\n' && c != '\t') {
                throw GatewayError.badRequest("comment", "'comment' may not hold control characters other than new lines and tabs");
            }
        }
        return text;
    }
}
