package dev.switchboard.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Browser;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The "creating a routing rule" workflow in real Chromium: a rule made in the condition builder (a refused value shown in
 * its row, the DRL previewed, a dry run and a replay), saved, and the next request really routed by it
 * ({@code x-switchboard-rule}); then disabled from the list, rolled back from the versions, and a broken DRL refused with
 * file:line. A viewer is offered none of it and a forged write is refused.
 */
class RuleScreenTest extends BrowserTest {
    private static final String RULE = "Translations from the UI go to gpt-4o";
    @Test
    void creatingARoutingRule() throws IOException {
        browser.signIn("rules", Gateway.ADMIN_TOKEN);
        browser.waitUntilText(By.id("rule-table"), "Code questions go to the coding chain");
        browser.visible(By.id("rule-builder-form"));
        type(By.id("rb-name"), RULE);
        new Select(browser.driver.findElement(By.cssSelector(".cond-row[data-condition='0'] select[name=cond_field]")))
                .selectByValue("LlmRequest.taskType");
        type(By.cssSelector(".cond-row[data-condition='0'] input[name=cond_value]"), "translashun");
        new Select(browser.driver.findElement(By.id("rb-model"))).selectByValue("gpt-4o");
        type(By.id("rb-priority"), "90");
        browser.clickable(By.id("rb-save")).click();
        WebElement rowError = browser.visible(By.cssSelector(".cond-row[data-condition='0'] .field-error"));
        assertTrue(rowError.getText().contains("translashun"), rowError.getText());

        type(By.cssSelector(".cond-row[data-condition='0'] input[name=cond_value]"), "translation");
        browser.clickable(By.id("rb-preview")).click();
        browser.waitUntilText(By.id("rb-drl"), "taskType == \"translation\"");
        type(By.id("rb-sample-task"), "translation");
        browser.clickable(By.id("rb-try")).click();
        browser.waitUntilText(By.cssSelector("#rb-tried tr[data-side='draft']"), "gpt-4o");
        assertTrue(browser.driver.findElement(By.cssSelector("#rb-tried tr[data-side='draft']")).getText().contains(RULE));
        browser.clickable(By.id("rb-replay")).click();
        browser.waitUntilText(By.id("rb-replay-summary"), "replayed");
        browser.clickable(By.id("rb-save")).click();
        browser.waitUntilText(By.id("builder-saved"), "Saved");
        browser.waitUntilText(By.id("rule-table"), RULE);
        browser.screenshot("rules");

        HttpResponse<String> routed = translation();
        assertEquals(200, routed.statusCode(), routed.body());
        assertEquals(RULE, routed.headers().firstValue("x-switchboard-rule").orElse(null));
        assertEquals("gpt-4o", routed.headers().firstValue("x-switchboard-model").orElse(null));

        browser.clickable(By.cssSelector("tr[data-rule='" + RULE + "'] button.toggle-rule")).click();
        browser.waitUntilText(By.id("rules-notice"), "enabled = false");
        assertNotEquals(RULE, translation().headers().firstValue("x-switchboard-rule").orElse(""));

        browser.clickable(By.cssSelector("tr[data-rule='" + RULE + "'] button.move-up")).click();
        browser.waitUntilText(By.id("rules-notice"), "salience = 101");
        assertEquals(101, rule(RULE).path("salience").asInt(), "tried before the rule above it (salience 100)");

        browser.signIn("rules", Gateway.ADMIN_TOKEN); // the versions table again, with the edits above
        browser.visible(By.cssSelector("#version-table tbody tr"));
        String saved = browser.all(By.cssSelector("#version-table tbody tr")).get(2).getAttribute("data-version");
        browser.clickable(By.cssSelector("tr[data-version='" + saved + "'] button.show-diff")).click();
        browser.waitUntilText(By.id("diff-text"), "+rule \"" + RULE + "\"");
        browser.clickable(By.cssSelector("tr[data-version='" + saved + "'] button.rollback")).click();
        browser.waiting().until(ExpectedConditions.alertIsPresent()).accept();
        browser.waitUntilText(By.id("rules-notice"), "Rolled back");
        assertTrue(rule(RULE).path("enabled").asBoolean(), "the version before the disabling is serving again");
        assertEquals(RULE, translation().headers().firstValue("x-switchboard-rule").orElse(null));

        type(By.id("drl-file"), "broken.drl");
        type(By.id("drl-content"), "package rules\nrule \"broken\"\nwhen\n    LlmRequest(\nthen\nend\n");
        browser.clickable(By.id("drl-save")).click();
        browser.waitUntilText(By.id("drl-errors"), "broken.drl:");
        assertEquals(404, gateway.admin("GET", "/admin/api/rules/broken.drl", null).statusCode(), "nothing written");
    }

    @Test
    void aViewerSeesNoWriteControlsAndAForgedToggleIsRefused() {
        String viewer = gateway.createToken("rule-viewer", "viewer");
        browser.signIn("rules", viewer);
        browser.waitUntilText(By.id("rule-table"), "Code questions go to the coding chain");
        browser.visible(By.id("rule-builder-form"));
        assertTrue(browser.all(By.cssSelector("button.toggle-rule")).isEmpty());
        assertTrue(browser.all(By.id("rb-save")).isEmpty());
        assertTrue(browser.all(By.id("drl-save")).isEmpty());
        Object status = browser.script("const done = arguments[arguments.length - 1];"
                + "import('/ui/assets/ui.js').then(ui => ui.api('POST', '/admin/api/rules/routing.drl/'"
                + " + encodeURIComponent('Code questions go to the coding chain') + '/enabled', JSON.stringify({enabled: false})))"
                + ".then(r => done(r.status));");
        assertEquals(403L, status);
        browser.signIn("rules", Gateway.ADMIN_TOKEN);
    }

    private static void type(By field, String text) {
        WebElement input = browser.visible(field);
        input.clear();
        input.sendKeys(text);
    }

    private static HttpResponse<String> translation() {
        return gateway.postChat(Gateway.chatBody("gpt-4o-mini", "Translate good morning into French"),
                "x-switchboard-task-type", "translation");
    }

    private static JsonNode rule(String name) throws IOException {
        for (JsonNode r : Gateway.MAPPER.readTree(gateway.admin("GET", "/admin/api/rules", null).body()).path("rules")) {
            if (r.path("name").asText().equals(name)) {
                return r;
            }
        }
        throw new AssertionError("no rule " + name);
    }
}
