package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.providers.Json;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;

/**
 * Requests the gateway makes on a caller's behalf through its own pipeline (a summary of older turns, the embedding
 * of a question for the semantic cache): the caller's agent's own requests to another model, so rules, limits and
 * budget apply, and each is recorded in a usage row with an entry of its own.
 */
final class InternalRequests {
    /** Exchange variable of an internal request: the request it is made for. */
    static final String PARENT = "sbInternalFor";

    private final ProducerTemplate producer;

    InternalRequests(ProducerTemplate producer) {
        this.producer = producer;
    }

    /** The answer's JSON, or null when the request failed (refused, over budget, every model down). */
    JsonNode send(String endpoint, RequestContext parent, String entry, ObjectNode body) {
        Exchange exchange = new DefaultExchange(producer.getCamelContext());
        exchange.setVariable(PARENT, parent);
        exchange.setVariable("entry", entry);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setBody(Json.bytes(body));
        producer.send(endpoint, exchange);
        Integer status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        byte[] answer = exchange.getMessage().getBody(byte[].class);
        return status != null && status == 200 && answer != null ? Json.parseOrNull(answer) : null;
    }

    /** In the format stage: an internal request speaks for its parent's caller and agent, tagged with the parent's id. */
    static RequestContext begin(Exchange exchange, String operation, String tag) {
        RequestContext parent = exchange.getVariable(PARENT, RequestContext.class);
        RequestContext ctx = FormatStage.begin(exchange, operation);
        ctx.caller = parent.caller;
        ctx.agent = parent.agent;
        ctx.tags.add(tag + parent.requestId);
        return ctx;
    }
}
