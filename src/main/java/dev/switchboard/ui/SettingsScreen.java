package dev.switchboard.ui;

import java.util.Map;

/** Settings: global configuration, agents, provider keys, management tokens, audit log, catalog versions. */
final class SettingsScreen implements UiScreen {

    @Override
    public void register(ManagementUi ui) {
        ui.get("settings/agents", call -> call.get("/admin/api/agents?limit=500").map(answer -> answer.ok()
                ? call.render("settings/agents.jte", Map.of("agents", answer.json()))
                : call.refused(answer)));
    }
}
