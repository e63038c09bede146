package dev.switchboard.api;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One streamed event already in OpenAI's chunk shape. {@code usage} is non-null only on the chunk that
 * carries the totals; {@code content} says whether the chunk holds anything a caller would see (text, a
 * tool-call piece or a finish reason): the chain may fall over to another model only before the first one.
 * {@code raw} is the event's JSON text when it needs no rewriting, so it is forwarded without re-serialising.
 */
public record ChatChunk(ObjectNode json, Usage usage, boolean content, String finishReason, String raw) {
}
