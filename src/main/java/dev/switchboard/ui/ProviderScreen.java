package dev.switchboard.ui;

import java.util.Map;

/** Provider Dashboard: every provider with its models' health, usage and cost (refreshed by htmx polling). */
final class ProviderScreen implements UiScreen {

    @Override
    public void register(ManagementUi ui) {
        ui.get("providers", call -> call.get("/admin/api/providers").map(answer -> answer.ok()
                ? call.render("providers/table.jte", Map.of("providers", answer.json()))
                : call.refused(answer)));
    }
}
