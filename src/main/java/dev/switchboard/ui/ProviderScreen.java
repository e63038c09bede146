package dev.switchboard.ui;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Provider Dashboard: every provider with its models' health, usage and cost (the page polls it), and the
 * add-provider workflow: check the key and list the models ({@code POST /admin/api/providers?dryRun=true}), set
 * their context window, prices and default parameters, then add ({@code POST /admin/api/providers}).
 */
final class ProviderScreen implements UiScreen {
    private static final String COSTS = "/admin/api/analytics/costs?bucket=none&groupBy=provider&limit=1000&from=";
    /** Tells the dashboard to refresh at once (htmx {@code HX-Trigger}). */
    static final String CHANGED_EVENT = "providers-changed";

    private final Clock clock;

    ProviderScreen(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void register(ManagementUi ui) {
        ui.get("providers", this::dashboard);
        ui.get("providers/add", call -> Future.succeededFuture(call.viewer().canAdmin()
                ? call.render("providers/add-button.jte", Map.of()) : Rendered.ok("")));
        ui.get("providers/new", call -> call.get("/admin/api/providers").map(a -> a.ok()
                ? call.render("providers/new.jte", Map.of("types", a.json().path("types"))) : call.refused(a)));
        ui.post("providers/check", call -> call.post("/admin/api/providers?dryRun=true", provider(call.form())).map(a -> a.ok()
                ? call.render("providers/discovered.jte", Map.of("result", a.json()))
                : call.render(a.status(), "providers/refused.jte", Map.of("message", a.errorMessage(), "param", String.valueOf(a.errorParam())))));
        ui.post("providers", this::add);
    }

    private Future<Rendered> dashboard(UiCall call) {
        Instant now = clock.instant();
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        Instant from = ProviderDashboard.availabilityFrom(now);
        Future<ApiAnswer> providers = call.get("/admin/api/providers");
        Future<ApiAnswer> status = call.get("/admin/api/providers/status");
        // Whole days (to tomorrow) are read from the daily rollups: a few rows per provider instead of every hour's.
        String toTomorrow = "&to=" + today.plusDays(1);
        Future<ApiAnswer> costsToday = call.get(COSTS + today + toTomorrow);
        Future<ApiAnswer> costsMonth = call.get(COSTS + today.withDayOfMonth(1) + toTomorrow);
        Future<ApiAnswer> usage = call.get("/admin/api/analytics/usage?bucket=hour&groupBy=provider&limit=1000&from=" + from);
        return Future.all(List.of(providers, status, costsToday, costsMonth, usage)).map(all -> {
            for (Future<ApiAnswer> f : List.of(providers, status, costsToday, costsMonth, usage)) {
                if (!f.result().ok()) {
                    return call.refused(f.result());
                }
            }
            Map<String, Object> params = new HashMap<>();
            params.put("providers", ProviderDashboard.providers(providers.result().json(), status.result().json(),
                    costsToday.result().json(), costsMonth.result().json()));
            params.put("monthToDate", costsMonth.result().json().path("summary").path("monthToDateUsd").asDouble());
            params.put("projection", costsMonth.result().json().path("summary").path("monthEndProjectionUsd").asDouble());
            params.put("chart", ProviderDashboard.availabilityChart(usage.result().json(), from).toString());
            params.put("updatedAt", now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
            return call.render("providers/dashboard.jte", params);
        });
    }

    /** Adds the provider with the settings given per discovered model; the key comes again from the first step's form. */
    private Future<Rendered> add(UiCall call) {
        MultiMap form = call.form();
        ObjectNode body = provider(form);
        ObjectNode models = body.putObject("models");
        List<String> ids = form.getAll("model");
        List<String> windows = form.getAll("contextWindow");
        List<String> inputs = form.getAll("inputPrice");
        List<String> outputs = form.getAll("outputPrice");
        List<String> temperatures = form.getAll("temperature");
        List<String> maxTokens = form.getAll("maxTokens");
        for (int i = 0; i < ids.size(); i++) {
            ObjectNode settings = models.putObject(ids.get(i));
            Forms.putNumber(settings, "contextWindow", at(windows, i));
            ObjectNode price = settings.putObject("price");
            Forms.putNumber(price, "input", at(inputs, i));
            Forms.putNumber(price, "output", at(outputs, i));
            ObjectNode defaults = settings.putObject("defaults");
            Forms.putNumber(defaults, "temperature", at(temperatures, i));
            Forms.putNumber(defaults, "max_tokens", at(maxTokens, i));
        }
        return call.post("/admin/api/providers", body).map(a -> {
            if (!a.ok()) {
                return call.render(a.status(), "providers/refused.jte", Map.of("message", a.errorMessage(), "param", String.valueOf(a.errorParam())));
            }
            Rendered added = call.render(201, "providers/added.jte", Map.of("result", a.json()));
            return new Rendered(added.status(), added.html(), Map.of("HX-Trigger", CHANGED_EVENT));
        });
    }

    private static String at(List<String> values, int i) {
        return i < values.size() ? values.get(i) : null;
    }

    private static ObjectNode provider(MultiMap form) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        Forms.putText(body, "id", form, "id");
        Forms.putText(body, "type", form, "type");
        Forms.putText(body, "baseUrl", form, "baseUrl");
        Forms.putText(body, "apiKey", form, "apiKey");
        return body;
    }
}
