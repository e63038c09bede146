package dev.switchboard.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.List;

/**
 * The condition builder's form as submitted: the page keeps no state, every button sends the whole form (public:
 * templates read it).
 */
public record RuleBuilderForm(String name, String file, List<RuleCondition> conditions, String model, String chain, String parameters,
                      String tags, String priority, boolean active, String comment, String samplePrompt, String sampleTaskType,
                      String sampleUserTier, String sampleAgent) {

    static RuleBuilderForm empty() {
        return new RuleBuilderForm("", "", List.of(new RuleCondition("LlmRequest.taskType", "==", "")), "", "", "", "", "60", true, "",
                "Translate 'good morning' into French", "", "", "");
    }

    static RuleBuilderForm of(MultiMap form) {
        List<String> fields = form.getAll("cond_field");
        List<String> ops = form.getAll("cond_op");
        List<String> values = form.getAll("cond_value");
        List<RuleCondition> conditions = new ArrayList<>();
        for (int i = 0; i < fields.size() && i < ops.size() && i < values.size(); i++) {
            conditions.add(new RuleCondition(fields.get(i), ops.get(i), values.get(i)));
        }
        return new RuleBuilderForm(value(form, "name"), value(form, "file"), conditions, value(form, "model"), value(form, "chain"),
                value(form, "parameters"), value(form, "tags"), value(form, "priority"), form.contains("active"), value(form, "comment"),
                value(form, "sample_prompt"), value(form, "sample_taskType"), value(form, "sample_userTier"), value(form, "sample_agent"));
    }

    private static String value(MultiMap form, String name) {
        return form.get(name) == null ? "" : form.get(name);
    }

    RuleBuilderForm withCondition() {
        List<RuleCondition> more = new ArrayList<>(conditions);
        more.add(new RuleCondition("LlmRequest.taskType", "==", ""));
        return new RuleBuilderForm(name, file, more, model, chain, parameters, tags, priority, active, comment, samplePrompt, sampleTaskType,
                sampleUserTier, sampleAgent);
    }

    RuleBuilderForm without(int index) {
        List<RuleCondition> fewer = new ArrayList<>(conditions);
        if (index >= 0 && index < fewer.size()) {
            fewer.remove(index);
        }
        return new RuleBuilderForm(name, file, fewer, model, chain, parameters, tags, priority, active, comment, samplePrompt,
                sampleTaskType, sampleUserTier, sampleAgent);
    }

    /** The rule as the builder API takes it; values typed by the field's type in the vocabulary. */
    ObjectNode rule(JsonNode vocabulary) {
        ObjectNode rule = JsonNodeFactory.instance.objectNode().put("name", name.trim());
        if (!file.isBlank()) {
            rule.put("file", file.trim());
        }
        ArrayNode list = rule.putArray("conditions");
        for (RuleCondition c : conditions) {
            int dot = c.field().indexOf('.');
            String fact = dot < 0 ? "LlmRequest" : c.field().substring(0, dot);
            String field = c.field().substring(dot + 1);
            String type = vocabulary.path("facts").path(fact).path(field).path("type").asText("text");
            ObjectNode condition = list.addObject().put("fact", fact).put("field", field).put("op", c.op());
            if (c.op().equals("in")) {
                ArrayNode items = condition.putArray("value");
                for (String item : c.value().split(",")) {
                    if (!item.isBlank()) {
                        items.add(typed(item.trim(), type));
                    }
                }
            } else {
                condition.set("value", typed(c.value().trim(), type));
            }
        }
        if (!model.isBlank()) {
            rule.put("model", model);
        }
        if (!chain.isBlank()) {
            rule.put("chain", chain);
        }
        ObjectNode params = rule.putObject("parameters");
        for (String pair : parameters.split(",")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                params.set(pair.substring(0, eq).trim(), typed(pair.substring(eq + 1).trim(), "number"));
            }
        }
        ArrayNode tagList = Forms.list(tags.isBlank() ? null : tags);
        if (tagList != null) {
            rule.set("tags", tagList);
        }
        Forms.putNumber(rule, "priority", priority.isBlank() ? null : priority.trim());
        rule.put("active", active);
        if (!comment.isBlank()) {
            rule.put("comment", comment);
        }
        return rule;
    }

    /** A number or boolean where the field takes one and the text reads as one; otherwise the text. */
    private static JsonNode typed(String text, String type) {
        if ((type.equals("boolean") || type.equals("number")) && (text.equals("true") || text.equals("false"))) {
            return JsonNodeFactory.instance.booleanNode(Boolean.parseBoolean(text));
        }
        if (type.equals("number") || type.equals("whole_number")) {
            ObjectNode holder = JsonNodeFactory.instance.objectNode();
            Forms.putNumber(holder, "v", text);
            return holder.path("v").isMissingNode() ? JsonNodeFactory.instance.textNode(text) : holder.get("v");
        }
        return JsonNodeFactory.instance.textNode(text);
    }

    /** The sample request a draft is tried on. */
    ObjectNode sample() {
        ObjectNode sample = JsonNodeFactory.instance.objectNode();
        sample.putArray("messages").addObject().put("role", "user").put("content", samplePrompt.isBlank() ? "Hello" : samplePrompt);
        if (!sampleTaskType.isBlank()) {
            sample.put("taskType", sampleTaskType);
        }
        if (!sampleUserTier.isBlank()) {
            sample.put("userTier", sampleUserTier);
        }
        if (!sampleAgent.isBlank()) {
            sample.put("agent", sampleAgent);
        }
        return sample;
    }
}
