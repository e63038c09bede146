package dev.switchboard.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.support.Browser;
import dev.switchboard.support.Gateway;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/** Roles in the browser: a viewer is offered no write, and a write forged from the page is refused by the API. */
class RoleUiTest extends BrowserTest {
    /** Posts from the page with the signed-in token, as a forged control would; answers the status. */
    private static final String FORGE = """
            const done = arguments[arguments.length - 1];
            fetch(arguments[0], {method: 'POST', credentials: 'omit', headers: {
                'Authorization': 'Bearer ' + sessionStorage.getItem('switchboard.token'), 'Content-Type': arguments[1]}, body: arguments[2]})
              .then(r => done(r.status), e => done(String(e)));
            """;
    @Test
    void aViewerSeesNoWriteControlsAndAForgedWriteIsRefused() {
        browser.signIn("providers", gateway.createToken("vera", "viewer"));
        browser.waitUntilText(By.id("providers"), "openai");
        assertTrue(browser.all(By.id("add-provider-open")).isEmpty(), "no Add provider");

        browser.open("settings");
        browser.waitUntilText(By.id("agents"), "Agents");
        browser.waitUntilText(By.id("tokens"), "for admins only");
        browser.waitUntilText(By.id("audit"), "for admins only");
        browser.waitUntilText(By.id("versions"), "Catalog versions");
        browser.waitUntilText(By.id("export"), "Export");
        browser.waitUntilText(By.id("provider-keys"), "Provider keys");
        browser.waitUntilText(By.id("global"), "Default chat model");
        assertTrue(browser.all(By.cssSelector("main form button, main button.danger, main button.rotate")).isEmpty(),
                "no write control anywhere: " + browser.all(By.cssSelector("main button")).stream().map(e -> e.getText()).toList());
        assertTrue(browser.all(By.cssSelector("main input[name=apiKey], #agent-create, #default-model")).isEmpty());
        assertTrue(browser.driver.findElement(By.id("catalog-yaml")).getAttribute("readonly") != null);
        browser.screenshot("settings-viewer");

        assertEquals(403L, browser.script(FORGE, "/admin/api/agents", "application/json", "{\"id\":\"forged\"}"));
        assertEquals(403L, browser.script(FORGE, "/ui/f/settings/agents", "application/x-www-form-urlencoded", "id=forged-too"));
        assertEquals(404, gateway.admin("GET", "/admin/api/agents/forged", null).statusCode());
        assertEquals(404, gateway.admin("GET", "/admin/api/agents/forged-too", null).statusCode());
        assertTrue(gateway.admin("GET", "/admin/api/audit?limit=20", null).body().contains("denied"), "the refusals are audited");
    }

    @Test
    void anEditorChangesAgentsButIsNotOfferedKeysOrTokens() {
        browser.signIn("settings", gateway.createToken("eddie", "editor"));
        browser.visible(By.id("agent-create"));
        browser.waitUntilText(By.id("tokens"), "for admins only");
        browser.waitUntilText(By.id("provider-keys"), "Provider keys");
        assertTrue(browser.all(By.cssSelector("#provider-keys input[name=apiKey]")).isEmpty());
        assertEquals(403L, browser.script(FORGE, "/admin/api/tokens", "application/json", "{\"name\":\"x\",\"role\":\"admin\"}"));
    }
}
