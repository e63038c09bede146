package dev.switchboard.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.providers.Json;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fallback Chains: the catalog's chains, and the visual chain builder (models in order, moved up and down, added and
 * removed; retry conditions, attempts, deadline, context preservation) that saves through
 * {@code PUT /admin/api/catalog/chains/{id}} and tests the chain, saved or not, against the simulator with the
 * failures chosen per model ({@code POST /admin/api/chains/simulate}), shown as the attempt timeline.
 */
final class ChainScreen implements UiScreen {
    private static final String CHAINS = "/admin/api/catalog/chains";
    private static final String MODELS = "/admin/api/catalog/models?limit=500";
    private static final int LIST_LIMIT = 500;

    @Override
    public void register(ManagementUi ui) {
        ui.get("chains", call -> call.get(CHAINS + "?limit=" + LIST_LIMIT).map(a -> a.ok()
                ? call.render("chains/list.jte", Map.of("chains", a.json().path("data")))
                : call.refused(a)));
        ui.get("chains/builder", this::open);
        ui.post("chains/builder", this::action);
    }

    private Future<Rendered> open(UiCall call) {
        String id = call.query("id");
        Future<ApiAnswer> chain = id == null || id.isBlank() ? Future.succeededFuture(null) : call.get(CHAINS + "/" + UiCall.encode(id));
        return Future.all(call.get(MODELS), chain).map(all -> {
            ApiAnswer stored = all.resultAt(1);
            if (stored != null && !stored.ok()) {
                return call.refused(stored);
            }
            return builder(call, 200, modelIds(all.resultAt(0)), stored == null ? ChainForm.empty() : ChainForm.of(id, stored.json()), Map.of());
        });
    }

    /** A builder button: reorder, add or remove a model (the form comes back changed), save, or simulate. */
    private Future<Rendered> action(UiCall call) {
        ChainForm form = ChainForm.of(call.form());
        String action = call.form().get("action") == null ? "" : call.form().get("action");
        return call.get(MODELS).compose(modelsAnswer -> {
            List<String> models = modelIds(modelsAnswer);
            if (action.equals("save")) {
                String comment = form.comment().isEmpty() ? "" : "?comment=" + UiCall.encode(form.comment());
                return call.put(CHAINS + "/" + UiCall.encode(form.id()) + comment, form.chain()).compose(a -> a.ok()
                        ? call.get(CHAINS + "?limit=" + LIST_LIMIT).map(list -> builder(call, 200, models, form, Map.of("notice",
                                "Saved chain '" + form.id() + "': catalog version " + a.json().path("version").asText(), "chains", list.json().path("data"))))
                        : Future.succeededFuture(refused(call, models, form, a)));
            }
            if (action.equals("simulate")) {
                return call.post("/admin/api/chains/simulate", form.simulation()).map(a -> a.ok()
                        ? builder(call, 200, models, form, Map.of("run", a.json(), "timeline", timeline(a.json())))
                        : refused(call, models, form, a));
            }
            return Future.succeededFuture(builder(call, 200, models, form.edited(action, call.form().get("add_model")), Map.of()));
        });
    }

    private static Rendered refused(UiCall call, List<String> models, ChainForm form, ApiAnswer refusal) {
        String field = Forms.field(refusal);
        return builder(call, refusal.status(), models, form, Map.of("error", refusal.errorMessage(), "errorField", field == null ? "" : field));
    }

    private static Rendered builder(UiCall call, int status, List<String> models, ChainForm form, Map<String, Object> extra) {
        Map<String, Object> params = new HashMap<>();
        params.put("f", form);
        params.put("models", models);
        params.put("conditions", ChainForm.CONDITIONS);
        params.put("notice", "");
        params.put("error", "");
        params.put("errorField", "");
        params.put("run", JsonNodeFactory.instance.missingNode());
        params.put("timeline", "");
        params.put("chains", JsonNodeFactory.instance.missingNode());
        params.putAll(extra);
        return call.render(status, "chains/builder.jte", params);
    }

    private static List<String> modelIds(ApiAnswer answer) {
        List<String> ids = new ArrayList<>();
        answer.json().path("data").forEach(m -> ids.add(m.path("id").asText()));
        return ids;
    }

    /**
     * The attempt timeline as an ECharts option: one bar per attempt on the simulated clock, its wait before it and its
     * call, after an invisible offset (the time already spent).
     */
    static String timeline(JsonNode run) {
        ObjectNode option = JsonNodeFactory.instance.objectNode().put("animation", false);
        option.putObject("tooltip").put("trigger", "axis");
        option.putObject("legend").putArray("data").add("wait").add("call");
        option.putObject("grid").put("left", 160).put("right", 30);
        option.putObject("xAxis").put("type", "value").put("name", "ms");
        ObjectNode y = option.putObject("yAxis").put("type", "category").put("inverse", true);
        ArrayNode labels = y.putArray("data");
        ArrayNode offset = JsonNodeFactory.instance.arrayNode();
        ArrayNode waits = JsonNodeFactory.instance.arrayNode();
        ArrayNode calls = JsonNodeFactory.instance.arrayNode();
        for (JsonNode a : run.path("attempts")) {
            labels.add(a.path("attempt").asInt() + ". " + a.path("model").asText() + " (" + a.path("outcome").asText() + ")");
            offset.add(a.path("startMs").asLong() - a.path("waitMs").asLong());
            waits.add(a.path("waitMs").asLong());
            calls.add(JsonNodeFactory.instance.objectNode().put("value", a.path("latencyMs").asLong())
                    .set("itemStyle", JsonNodeFactory.instance.objectNode().put("color", a.path("outcome").asText().equals("ok") ? "#067647" : "#b42318")));
        }
        ArrayNode series = option.putArray("series");
        series.addObject().put("name", "offset").put("type", "bar").put("stack", "t").put("silent", true)
                .<ObjectNode>set("itemStyle", JsonNodeFactory.instance.objectNode().put("color", "transparent")).set("data", offset);
        series.addObject().put("name", "wait").put("type", "bar").put("stack", "t")
                .<ObjectNode>set("itemStyle", JsonNodeFactory.instance.objectNode().put("color", "#98a2b3")).set("data", waits);
        series.addObject().put("name", "call").put("type", "bar").put("stack", "t").set("data", calls);
        return Json.MAPPER.valueToTree(option).toString();
    }
}
