package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.api.GatewayError;
import dev.switchboard.quality.QualityEvaluation;
import org.apache.camel.Exchange;

/**
 * Feedback: an agent rates one of its own answers ({@code POST /v1/feedback}, or a JMS message on
 * the queue {@code switchboard.feedback}). Only callers with an agent key can: a rating must be attributable.
 */
final class FeedbackStage {
    static final String STORED = "sbFeedbackStored";

    private final QualityEvaluation quality;

    FeedbackStage(QualityEvaluation quality) {
        this.quality = quality;
    }

    void store(Exchange exchange) {
        RequestContext ctx = exchange.getVariable(RequestContext.VARIABLE, RequestContext.class);
        if (ctx.agent == null) {
            throw new GatewayError(401, "invalid_request_error", "missing_agent_key", null,
                    "Feedback needs your agent's key ('Authorization: Bearer sk-sb-...'): only the agent that made a request may rate it");
        }
        JsonNode body = exchange.getVariable(FormatStage.FEEDBACK_BODY, JsonNode.class);
        exchange.setVariable(STORED, quality.feedback(ctx.agent.id(), body));
    }
}
