package dev.switchboard.admin;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.providers.Json;
import dev.switchboard.recording.BudgetLedger.Alert;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where budget alerts go: the log, the {@code budget_alert} table ({@code GET /admin/api/alerts}) and, when
 * {@code SWITCHBOARD_ALERT_WEBHOOK} is set, a JSON POST to it. Never on a request's path: rows are written on
 * the ledger's caller thread only after the answer is recorded, and the webhook is sent asynchronously.
 */
public final class AlertSink implements Consumer<Alert> {
    private static final Logger LOG = LoggerFactory.getLogger(AlertSink.class);
    private static final Duration WEBHOOK_TIMEOUT = Duration.ofSeconds(5);

    private final ProducerTemplate producer;
    private final String jdbc;
    private final URI webhook;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(WEBHOOK_TIMEOUT).build();

    public AlertSink(ProducerTemplate producer, String dataSourceName, String webhookUrl) {
        this.producer = producer;
        this.jdbc = "jdbc:" + dataSourceName;
        this.webhook = webhookUrl == null || webhookUrl.isBlank() ? null : URI.create(webhookUrl.trim());
    }

    @Override
    public void accept(Alert alert) {
        LOG.warn("Budget alert: agent {} has spent {}% of its {} budget (${} of ${})", alert.agent(), alert.percent(), alert.budget(),
                String.format(java.util.Locale.ROOT, "%.4f", alert.spentUsd()), String.format(java.util.Locale.ROOT, "%.4f", alert.limitUsd()));
        Map<String, Object> p = new HashMap<>();
        p.put("at", Timestamp.from(alert.at()));
        p.put("agent", alert.agent());
        p.put("budget", alert.budget());
        p.put("percent", alert.percent());
        p.put("spent", alert.spentUsd());
        p.put("limit", alert.limitUsd());
        try {
            producer.sendBodyAndHeaders(jdbc + "?useHeadersAsParameters=true",
                    "INSERT INTO budget_alert (created_at, agent, budget, percent, spent_usd, limit_usd) "
                            + "VALUES (:?at, :?agent, :?budget, :?percent, :?spent, :?limit)", p);
        } catch (RuntimeException e) {
            LOG.warn("Budget alert not stored ({}); it was logged above", e.getClass().getSimpleName());
        }
        if (webhook != null) {
            ObjectNode body = JsonNodeFactory.instance.objectNode().put("type", "budget_alert").put("agent", alert.agent())
                    .put("budget", alert.budget()).put("percent", alert.percent()).put("spentUsd", alert.spentUsd())
                    .put("limitUsd", alert.limitUsd()).put("at", alert.at().toString());
            http.sendAsync(HttpRequest.newBuilder(webhook).timeout(WEBHOOK_TIMEOUT).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body))).build(), HttpResponse.BodyHandlers.discarding())
                    .whenComplete((r, e) -> {
                        if (e != null || r.statusCode() >= 300) {
                            LOG.warn("Budget alert webhook {} did not take the alert ({})", webhook.getHost(), e != null ? e.getClass().getSimpleName() : r.statusCode());
                        }
                    });
        }
    }
}
