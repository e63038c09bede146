package dev.switchboard.quality;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.resource.AllowSchemaLoader;
import java.util.Iterator;
import java.util.Optional;

/**
 * Checks an answer against the JSON schema the caller sent ({@code response_format.json_schema.schema}), with
 * networknt's validator (draft 2020-12 unless the schema says otherwise). The schema is the caller's, so it must not
 * make the gateway do anything but compare: nothing is fetched ({@code $ref} to another document is refused and the
 * check skipped), and {@code pattern} keywords are left out (a caller's regular expression could run for minutes on
 * the answer); a schema with {@code patternProperties} is not checked at all (leaving them out would turn allowed
 * properties into violations). A schema the validator cannot read is skipped, never held against the model.
 */
final class SchemaCheck {
    /** Only the meta-schemas the library ships (it maps their well-known IRIs to its class path). */
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.builder(JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012))
            .schemaLoaders(loaders -> loaders.add(new AllowSchemaLoader(iri -> iri.toString().startsWith("classpath:"))))
            .build();
    private static final String PATTERN = "pattern";
    private static final String PATTERN_PROPERTIES = "patternProperties";

    private SchemaCheck() {
    }

    /** True when the answer breaks the schema; empty when the schema could not be used. */
    static Optional<Boolean> violates(JsonNode schema, JsonNode answer) {
        if (schema == null || !(schema.isObject() || schema.isBoolean())) {
            return Optional.empty();
        }
        try {
            JsonNode safe = schema.deepCopy();
            if (!schema.findValues(PATTERN_PROPERTIES).isEmpty()) {
                return Optional.empty();
            }
            withoutPatterns(safe);
            return Optional.of(!FACTORY.getSchema(safe).validate(answer).isEmpty());
        } catch (RuntimeException e) {
            return Optional.empty(); // unreadable schema or a reference to another document: not the model's fault
        }
    }

    /** Removes textual {@code pattern} keywords everywhere (a property named "pattern" holds a schema object, and stays). */
    private static void withoutPatterns(JsonNode node) {
        if (node instanceof ObjectNode object) {
            if (object.path(PATTERN).isTextual()) {
                object.remove(PATTERN);
            }
        }
        for (Iterator<JsonNode> children = node.elements(); children.hasNext(); ) {
            withoutPatterns(children.next());
        }
    }
}
