package dev.switchboard.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.recording.Attempt;
import dev.switchboard.recording.UsageRecord;
import dev.switchboard.support.Await;
import dev.switchboard.support.Browser;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * "Applying a recommendation" in real Chromium: a history in which chain rescue's first model (flaky) failed every
 * attempt and its second (limited) served; the analytics screen lists the chain_order recommendation, previews it and
 * applies it; checked through the API: the catalog's chain now starts with limited and the recommendation is applied. A
 * viewer is offered only the preview, and an apply forged from the page is refused.
 */
class RecommendationScreenTest {
    /** Attempts on each chain model: above the recommendations' minimum evidence (100). */
    private static final int ROWS = 120;
    private static Gateway gateway;
    private static Browser browser;

    @BeforeAll
    static void start() {
        gateway = Gateway.start(Map.of("SWITCHBOARD_QUALITY_REFRESH_MS", "500"));
        browser = Browser.start(gateway);
        Instant now = Instant.now();
        for (int i = 0; i < ROWS; i++) {
            List<Attempt> attempts = List.of(new Attempt("flaky", "openai", "server_error", 40, 500), new Attempt("limited", "openai", "ok", 300, 200));
            double cost = (1000 + 200) / 1e6;
            gateway.app.usageWriter().submit(new UsageRecord("seed-" + i, now.minus(Duration.ofHours(2 + i)), "http", "chat", "other", "flaky",
                    "limited", "openai", null, attempts, 1000, 200, 1200, cost, 340, -1, 200, "ok", null, false, List.of(), 0, 0, "chat",
                    "rescue", cost));
        }
        Await.until("the history written", Duration.ofSeconds(60), () -> gateway.app.usageWriter().pending(), p -> p == 0);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void applyingARecommendation() throws IOException {
        String id = Await.until("the chain_order recommendation", Duration.ofSeconds(30), RecommendationScreenTest::chainOrder,
                java.util.Objects::nonNull);

        String card = "[data-recommendation='" + id + "']";
        browser.signIn("analytics", gateway.createToken("reco-viewer", "viewer"));
        browser.visible(By.cssSelector(card + " button.reco-preview"));
        assertTrue(browser.all(By.cssSelector(card + " button.reco-apply")).isEmpty(), "a viewer is not offered apply");
        assertTrue(browser.all(By.cssSelector(card + " button.reco-dismiss")).isEmpty(), "nor dismiss");
        Object forged = browser.script("const done = arguments[arguments.length - 1];"
                + "import('/ui/assets/ui.js').then(ui => ui.api('POST', '/admin/api/recommendations/' + arguments[0] + '/apply', '{}'))"
                + ".then(r => done(r.status));", id);
        assertEquals(403L, forged);

        browser.signIn("analytics", Gateway.ADMIN_TOKEN);
        browser.clickable(By.cssSelector(card + " button.reco-preview")).click();
        browser.waitUntilText(By.cssSelector(card + " .preview-out"), "recorded request");
        ((org.openqa.selenium.JavascriptExecutor) browser.driver).executeScript("arguments[0].scrollIntoView({block: 'center'});",
                browser.driver.findElement(By.cssSelector(card)));
        browser.screenshot("recommendations");
        browser.clickable(By.cssSelector(card + " button.reco-apply")).click();
        browser.waiting().until(ExpectedConditions.alertIsPresent()).accept();
        browser.waitUntilText(By.id("reco-notice"), "Applied " + id);
        assertTrue(browser.all(By.cssSelector(card)).isEmpty(), "no longer open");

        JsonNode chain = Gateway.MAPPER.readTree(gateway.admin("GET", "/admin/api/catalog/chains/rescue", null).body());
        JsonNode models = chain.isArray() ? chain : chain.path("models");
        assertEquals("limited", models.path(0).asText(), chain.toString());
        JsonNode applied = Gateway.MAPPER.readTree(gateway.admin("GET", "/admin/api/recommendations?state=applied", null).body());
        assertTrue(applied.path("data").toString().contains(id), applied.toString());
    }

    /** The open chain_order recommendation's id, or null while there is none (asks for a recomputation). */
    private static String chainOrder() {
        gateway.admin("POST", "/admin/api/recommendations/refresh", "{}");
        try {
            for (JsonNode r : Gateway.MAPPER.readTree(gateway.admin("GET", "/admin/api/recommendations?state=open", null).body()).path("data")) {
                if (r.path("kind").asText().equals("chain_order")) {
                    return r.path("id").asText();
                }
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
