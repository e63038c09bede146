package dev.switchboard.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Browser;
import dev.switchboard.support.Gateway;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The Settings screen's global configuration in real Chromium: an admin turns anonymous access off and changes the
 * retention (the next unkeyed request is refused; the API serves the new values), an invalid value is refused beside
 * its field, an editor is offered the budget alerts only and a viewer no control at all.
 */
class GlobalSettingsUiTest extends BrowserTest {
    private static JsonNode setting(String name) throws Exception {
        return Gateway.MAPPER.readTree(gateway.admin("GET", "/admin/api/settings", null).body()).path("settings").path(name);
    }

    private static void type(String id, String text) {
        WebElement field = browser.visible(By.id(id));
        field.clear();
        field.sendKeys(text);
    }

    @Test
    void anAdminTurnsAnonymousAccessOffAndChangesRetention() throws Exception {
        assertEquals(200, gateway.postChat(Gateway.chatBody("gpt-4o-mini", "hi")).statusCode(), "open before");
        browser.signIn("settings", Gateway.ADMIN_TOKEN);
        browser.visible(By.id("global-settings-form"));

        type("setting-retention", "0");
        browser.clickable(By.id("global-settings-save")).click();
        assertTrue(browser.waitUntilText(By.id("retentionDays-error"), "1 to 3650").isDisplayed(), "the API's error beside its field");
        assertEquals("0", browser.visible(By.id("setting-retention")).getAttribute("value"), "what was typed stays");
        assertEquals("default", setting("retentionDays").path("source").asText(), "nothing stored");

        new Select(browser.visible(By.id("setting-anonymous"))).selectByValue("false");
        type("setting-retention", "90");
        browser.clickable(By.id("global-settings-save")).click();
        browser.waitUntilText(By.cssSelector("#global .notice"), "saved");
        browser.waitUntilText(By.cssSelector("#global tr[data-setting='retentionDays'] .setting-source"), "database");
        assertTrue(browser.all(By.cssSelector("#global .field-error")).isEmpty());
        assertTrue(browser.cspViolations().isEmpty(), "no CSP violation");
        browser.screenshot("settings-global");

        HttpResponse<String> refused = gateway.postChat(Gateway.chatBody("gpt-4o-mini", "hi"));
        assertEquals(401, refused.statusCode(), "a request without a key is refused now: " + refused.body());
        assertEquals(false, setting("allowAnonymous").path("value").asBoolean(true));
        assertEquals(90, setting("retentionDays").path("value").asInt());
        assertEquals("database", setting("retentionDays").path("source").asText());

        new Select(browser.visible(By.id("setting-anonymous"))).selectByValue("");
        browser.clickable(By.id("global-settings-save")).click();
        browser.waitUntilText(By.cssSelector("#global tr[data-setting='allowAnonymous'] .setting-source"), "environment");
        assertEquals(200, gateway.postChat(Gateway.chatBody("gpt-4o-mini", "hi")).statusCode(), "the environment's value serves again");
    }

    @Test
    void anEditorIsOfferedTheBudgetAlertsOnlyAndAViewerNoControl() throws Exception {
        browser.signIn("settings", gateway.createToken("gina", "editor"));
        browser.visible(By.id("global-settings-form"));
        assertTrue(browser.all(By.cssSelector("#setting-anonymous, #setting-retention, #setting-responses-retention")).isEmpty(),
                "security and retention settings are an admin's");
        type("setting-alerts", "90, 60");
        browser.clickable(By.id("global-settings-save")).click();
        browser.waitUntilText(By.id("budgetAlertPercents-error"), "ascending");
        type("setting-alerts", "60, 90");
        browser.clickable(By.id("global-settings-save")).click();
        browser.waitUntilText(By.cssSelector("#global .notice"), "saved");
        assertEquals("[60,90]", setting("budgetAlertPercents").path("value").toString());

        browser.signIn("settings", gateway.createToken("vic", "viewer"));
        browser.waitUntilText(By.cssSelector("#global tr[data-setting='budgetAlertPercents'] .setting-value"), "[60,90]");
        assertTrue(browser.all(By.cssSelector("#global form, #global input, #global select, #global button")).isEmpty(), "a viewer reads only");
        browser.screenshot("settings-global-viewer");
    }
}
