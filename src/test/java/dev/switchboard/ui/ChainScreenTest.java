package dev.switchboard.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Browser;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * "Building and simulating a chain" in real Chromium: models added, reordered and removed in the chain builder, failures
 * chosen per model, the simulation's attempt timeline shown (table and chart), the chain saved; checked through the API
 * (the catalog has the chain as built, and it simulates the same). A viewer gets no write controls; a forged save is refused.
 */
class ChainScreenTest extends BrowserTest {
    @Test
    void buildingAndSimulatingAChain() throws IOException {
        browser.signIn("chains", Gateway.ADMIN_TOKEN);
        browser.waitUntilText(By.id("chain-table"), "rescue");
        type(By.id("chain-id"), "ui-chain");
        for (String model : List.of("gpt-4o-mini", "gpt-4o", "claude-haiku-4-5", "flaky")) {
            new Select(browser.visible(By.id("chain-add-model"))).selectByValue(model);
            browser.clickable(By.id("chain-add")).click();
            browser.visible(By.cssSelector("#chain-steps li[data-model='" + model + "']"));
        }
        browser.clickable(By.cssSelector("li[data-model='claude-haiku-4-5'] .step-remove")).click();
        browser.waiting().until(d -> d.findElements(By.cssSelector("li[data-model='claude-haiku-4-5']")).isEmpty());
        for (int i = 0; i < 2; i++) {
            int before = position("flaky");
            browser.clickable(By.cssSelector("li[data-model='flaky'] .step-up")).click();
            browser.waiting().until(d -> position("flaky") == before - 1);
        }
        assertEquals(List.of("flaky", "gpt-4o-mini", "gpt-4o"), order());

        type(By.cssSelector("li[data-model='flaky'] .step-fail"), "5xx");
        type(By.cssSelector("li[data-model='gpt-4o-mini'] .step-fail"), "429");
        type(By.id("chain-attempts"), "4");
        browser.driver.findElement(By.id("retry-contentFilter")).click();
        browser.clickable(By.id("chain-simulate")).click();
        browser.waitUntilText(By.id("chain-outcome"), "Answered by gpt-4o ");
        assertEquals(3, browser.all(By.cssSelector("#chain-timeline tbody tr")).size());
        assertTrue(browser.driver.findElement(By.cssSelector("#chain-timeline tr[data-attempt='2']")).getText().contains("rate_limit"));
        WebElement chart = browser.visible(By.cssSelector("#chain-timeline-chart canvas"));
        ((org.openqa.selenium.JavascriptExecutor) browser.driver).executeScript("arguments[0].scrollIntoView({block: 'center'});", chart);
        browser.screenshot("chains");

        browser.clickable(By.id("chain-save")).click();
        browser.waitUntilText(By.id("chain-notice"), "Saved chain 'ui-chain'");
        browser.waitUntilText(By.id("chain-table"), "ui-chain");
        JsonNode saved = Gateway.MAPPER.readTree(gateway.admin("GET", "/admin/api/catalog/chains/ui-chain", null).body());
        assertEquals("[\"flaky\",\"gpt-4o-mini\",\"gpt-4o\"]", saved.path("models").toString(), saved.toString());
        assertEquals(4, saved.path("maxAttempts").asInt());
        assertTrue(saved.path("retryOn").toString().contains("contentFilter"));
        JsonNode run = Gateway.MAPPER.readTree(gateway.admin("POST", "/admin/api/chains/simulate",
                "{\"chain\": \"ui-chain\", \"failures\": {\"flaky\": \"5xx\"}}").body());
        assertEquals("gpt-4o-mini", run.path("servedBy").asText(), run.toString());
    }

    @Test
    void aViewerSeesNoWriteControlsAndAForgedSaveIsRefused() {
        String viewer = gateway.createToken("chain-viewer", "viewer");
        browser.signIn("chains", viewer);
        browser.clickable(By.cssSelector("tr[data-chain='rescue'] button.open-chain")).click();
        browser.visible(By.cssSelector("#chain-steps li[data-model='flaky']"));
        assertTrue(browser.all(By.id("chain-save")).isEmpty());
        assertTrue(browser.all(By.id("chain-simulate")).isEmpty());
        Object status = browser.script("const done = arguments[arguments.length - 1];"
                + "import('/ui/assets/ui.js').then(ui => ui.api('PUT', '/admin/api/catalog/chains/rescue', "
                + "JSON.stringify({models: ['gpt-4o']}))).then(r => done(r.status));");
        assertEquals(403L, status);
        browser.signIn("chains", Gateway.ADMIN_TOKEN);
    }

    private static void type(By field, String text) {
        WebElement input = browser.visible(field);
        input.clear();
        input.sendKeys(text);
    }

    /** The builder's models in order, read in one script call (the list is re-rendered under the test's feet). */
    @SuppressWarnings("unchecked")
    private static List<String> order() {
        return (List<String>) ((org.openqa.selenium.JavascriptExecutor) browser.driver).executeScript(
                "return [...document.querySelectorAll('#chain-steps li')].map(li => li.dataset.model);");
    }

    private static int position(String model) {
        return order().indexOf(model);
    }
}
