package dev.switchboard.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.support.Browser;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.Select;

/**
 * The "monitoring performance" workflow in real Chromium: after some traffic (one request falling back), the analytics
 * screen shows the totals the API reports, usage, latency and cost charts drawn by ECharts, the fallback event and the
 * tables, regrouped by provider and agent; a caller's name with markup in it is shown as text, never run.
 */
class AnalyticsScreenTest extends BrowserTest {
    private static final String HOSTILE_AGENT = "<img src=x onerror=alert(1)>";
    @Test
    void monitoringPerformance() throws IOException {
        for (String model : new String[] {"gpt-4o-mini", "gpt-4o", "gpt-4o-mini"}) {
            assertEquals(200, gateway.postChat(Gateway.chatBody(model, "hello")).statusCode());
        }
        assertEquals(200, gateway.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-agent", HOSTILE_AGENT).statusCode());
        HttpResponse<String> fellBack = gateway.postChat(Gateway.chatBody("flaky", "hello"));
        assertEquals(200, fellBack.statusCode(), fellBack.body());
        gateway.usageRow(fellBack.headers().firstValue("x-switchboard-request-id").orElseThrow());
        long requests = Gateway.MAPPER.readTree(gateway.admin("GET", "/admin/api/analytics/usage?bucket=none", null).body())
                .path("data").path(0).path("requests").asLong();
        assertEquals(5, requests, "the API counts the traffic");

        browser.signIn("analytics", Gateway.ADMIN_TOKEN);
        browser.waitUntilText(By.id("kpi-requests"), "5");
        for (String chart : new String[] {"chart-usage", "chart-latency", "chart-cost"}) {
            browser.visible(By.cssSelector("#" + chart + " canvas"));
        }
        browser.waitUntilText(By.id("latency-table"), "gpt-4o");
        browser.waitUntilText(By.id("fallback-table"), "flaky");
        browser.screenshot("analytics");

        new Select(browser.visible(By.id("analytics-by"))).selectByValue("provider");
        browser.waitUntilText(By.cssSelector("#latency-table thead"), "provider");
        browser.waitUntilText(By.id("cost-table"), "openai");
        new Select(browser.visible(By.id("analytics-by"))).selectByValue("agent");
        browser.waitUntilText(By.id("cost-table"), HOSTILE_AGENT);
        assertTrue(browser.all(By.cssSelector("#cost-table img")).isEmpty(), "the name is text, not markup");
        assertFalse(browser.alertOpen());
        browser.visible(By.id("recommendations"));
    }
}
