package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Budgets that hold: reserved before the call, settled after, never overspent, alerted, kept across a restart. */
class BudgetTest {
    /** 11 prompt and 7 completion tokens of gpt-4o-mini at the test catalog's prices. */
    private static final double ACTUAL = (11 * 0.15 + 7 * 0.60) / 1e6;
    private static final double BUDGET = 5 * ACTUAL + ACTUAL / 2;
    private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":7,\"messages\":[{\"role\":\"user\",\"content\":"
            + "\"Please answer this question of about sixty characters here.\"}]}";

    @Test
    void should_never_overspend_under_concurrency_alert_and_keep_spend_across_a_restart() throws Exception {
        Path data = Files.createTempDirectory("switchboard-budget");
        String key;
        List<String> webhookCalls = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer webhook = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        webhook.createContext("/alerts", ex -> {
            webhookCalls.add(new String(ex.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        webhook.start();
        String hook = "http://127.0.0.1:" + webhook.getAddress().getPort() + "/alerts";
        try (Gateway gw = Gateway.start(Map.of("SWITCHBOARD_DATA", data.toString(), "SWITCHBOARD_ALERT_WEBHOOK", hook))) {
            HttpResponse<String> created = gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + "/admin/api/agents"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"frugal\",\"dailyBudgetUsd\":" + BUDGET + "}")).build());
            assertEquals(201, created.statusCode(), created.body());
            key = Gateway.MAPPER.readTree(created.body()).path("key").asText();

            ExecutorService pool = Executors.newFixedThreadPool(16);
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String k = key;
                futures.add(pool.submit(() -> gw.postChat(BODY, "Authorization", "Bearer " + k)));
            }
            int ok = 0;
            int refused = 0;
            for (Future<HttpResponse<String>> f : futures) {
                HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
                if (r.statusCode() == 200) {
                    ok++;
                } else {
                    assertEquals(429, r.statusCode(), r.body());
                    assertEquals("budget_exceeded", Gateway.MAPPER.readTree(r.body()).at("/error/code").asText());
                    assertTrue(r.body().contains("daily budget"), r.body());
                    assertTrue(r.headers().firstValue("retry-after").isPresent());
                    refused++;
                }
            }
            pool.shutdown();
            assertTrue(ok >= 1 && refused >= 1, ok + " answered, " + refused + " refused");
            int answered = ok;
            JsonNode rows = Await.until("the usage rows", Gateway.TIMEOUT, () -> {
                try {
                    return Gateway.MAPPER.readTree(gw.get(gw.managementUrl() + "/admin/api/usage?limit=100").body()).path("data");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, d -> countOk(d) == answered);
            double spent = 0;
            for (JsonNode row : rows) {
                if (row.path("caller").asText().equals("frugal")) {
                    spent += row.path("cost_usd").asDouble();
                }
            }
            assertTrue(spent <= BUDGET + 1e-12, "settled $" + spent + " never above the cap $" + BUDGET);
            String alerts = gw.get(gw.managementUrl() + "/admin/api/alerts").body();
            assertTrue(alerts.contains("frugal") && alerts.contains("\"percent\":80"), alerts);
            Await.until("the alert webhook", Gateway.TIMEOUT, () -> webhookCalls.size(), n -> n > 0);
            assertTrue(webhookCalls.get(0).contains("\"type\":\"budget_alert\"") && webhookCalls.get(0).contains("frugal"), webhookCalls.get(0));
        } finally {
            webhook.stop(0);
        }
        try (Gateway again = Gateway.start(Map.of("SWITCHBOARD_DATA", data.toString()))) {
            HttpResponse<String> r = again.postChat(BODY, "Authorization", "Bearer " + key);
            assertEquals(429, r.statusCode(), "the key and the spend survived the restart: " + r.body());
            assertEquals("budget_exceeded", Gateway.MAPPER.readTree(r.body()).at("/error/code").asText());
        }
    }

    private static int countOk(JsonNode rows) {
        int n = 0;
        for (JsonNode row : rows) {
            if (row.path("caller").asText().equals("frugal") && row.path("status").asInt() == 200) {
                n++;
            }
        }
        return n;
    }
}
