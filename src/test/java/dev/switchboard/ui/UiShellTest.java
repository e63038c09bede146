package dev.switchboard.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.support.Browser;
import dev.switchboard.support.Gateway;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/** The UI's shell in real Chromium: sign-in, navigation, security headers, assets from the webjars. */
class UiShellTest extends BrowserTest {
    @Test
    void everyUiAnswerCarriesTheContentSecurityPolicy() {
        for (String path : new String[] {"/ui/providers", "/ui/assets/ui.js", "/ui/assets/vendor/htmx.org/2.0.10/dist/htmx.min.js", "/ui/f/providers"}) {
            HttpResponse<String> r = gateway.get(gateway.managementUrl() + path);
            assertEquals(ManagementUi.CONTENT_SECURITY_POLICY, r.headers().firstValue("Content-Security-Policy").orElse(null), path);
            assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(null), path);
        }
    }

    @Test
    void aFragmentWithoutTokenIsRefused() {
        assertEquals(401, gateway.get(gateway.managementUrl() + "/ui/f/providers").statusCode());
    }

    @Test
    void signInShowsWhoAndTheNavigation() {
        browser.signIn("providers", Gateway.ADMIN_TOKEN);
        assertTrue(browser.driver.findElement(By.id("who")).getText().contains("admin"));
        browser.waitUntilText(By.id("providers"), "openai");
        assertEquals(7, browser.all(By.cssSelector("nav.nav a")).size());
        browser.driver.findElement(By.linkText("Routing Rules")).click();
        browser.waitUntilText(By.id("rule-table"), "Code questions go to the coding chain");
        assertFalse(browser.alertOpen());
        browser.screenshot("shell");
        assertEquals(java.util.List.of(), browser.cspViolations());
    }

    @Test
    void swaggerUiShowsTheManagementApiUnderTheSamePolicy() {
        browser.open("api-docs/");
        browser.waitUntilText(By.cssSelector(".swagger-ui .info .title"), "Switchboard management API");
        assertTrue(browser.all(By.cssSelector(".swagger-ui .opblock")).size() > 40, "every operation listed");
        browser.screenshot("api-docs");
        assertTrue(browser.cspViolations().stream().noneMatch(m -> m.contains("script")), "no script blocked: " + browser.cspViolations());
    }
}
