package dev.switchboard.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Browser;
import dev.switchboard.support.Gateway;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/** The Settings screen in real Chromium: agents, provider keys, tokens, catalog versions; each effect checked through the API. */
class SettingsUiTest {
    private static final String HOSTILE_NAME = "<img src=x onerror=alert(1)>";
    private static final String ROTATED_KEY = "sk-rotated-in-the-browser-0123456789wxyz";
    private static Gateway gateway;
    private static Browser browser;

    @BeforeAll
    static void start() {
        gateway = Gateway.start();
        browser = Browser.start(gateway);
        browser.signIn("settings", Gateway.ADMIN_TOKEN);
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

    @BeforeEach
    void openSettings() {
        browser.open("settings");
        browser.waitUntilText(By.id("agents"), "New agent");
    }

    @Test
    void anAgentNamedLikeMarkupIsShownAsTextAndItsKeyOnlyOnce() throws Exception {
        browser.driver.findElement(By.id("agent-id")).sendKeys("xss-bot");
        browser.driver.findElement(By.id("agent-name")).sendKeys(HOSTILE_NAME);
        browser.driver.findElement(By.id("agent-daily")).sendKeys("5");
        browser.driver.findElement(By.id("agent-context")).sendKeys("recent:4");
        browser.driver.findElement(By.id("agent-create-submit")).click();

        String key = browser.visible(By.cssSelector("#agents .secret")).getText();
        assertTrue(key.startsWith("sk-sb-"), key);
        WebElement name = browser.visible(By.cssSelector("#agents tr[data-agent='xss-bot'] .agent-name"));
        assertEquals(HOSTILE_NAME, name.getText(), "the name is shown as the text it is");
        assertTrue(browser.all(By.cssSelector("#agents img")).isEmpty(), "no element was made from it");
        assertFalse(browser.alertOpen());
        browser.screenshot("settings");

        JsonNode agent = Gateway.MAPPER.readTree(gateway.admin("GET", "/admin/api/agents/xss-bot", null).body());
        assertEquals(HOSTILE_NAME, agent.path("name").asText());
        assertEquals(5.0, agent.path("dailyBudgetUsd").asDouble(), 1e-9);
        assertEquals("recent:4", agent.path("contextStrategy").asText());
        HttpResponse<String> chat = gateway.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "Authorization", "Bearer " + key);
        assertEquals(200, chat.statusCode(), chat.body());
        assertEquals("xss-bot", gateway.usageRow(chat.headers().firstValue("x-switchboard-request-id").orElseThrow()).path("caller").asText());

        browser.open("settings");
        browser.visible(By.cssSelector("#agents tr[data-agent='xss-bot']"));
        assertFalse(browser.driver.getPageSource().contains(key), "the key is shown once, not again");
    }

    @Test
    void anAdminRotatesAProviderKeyThatIsOnlyEverShownMasked() throws Exception {
        WebElement row = browser.visible(By.cssSelector("#provider-keys tr[data-provider='openai']"));
        row.findElement(By.name("apiKey")).sendKeys(ROTATED_KEY);
        row.findElement(By.cssSelector("button[type=submit]")).click();
        browser.waitUntilText(By.id("provider-keys"), "rotated; now sk-...wxyz");
        assertFalse(browser.driver.getPageSource().contains(ROTATED_KEY));
        assertEquals("sk-...wxyz", browser.driver.findElement(By.cssSelector("#provider-keys tr[data-provider='openai'] .masked-key")).getText());

        assertTrue(gateway.admin("GET", "/admin/api/providers", null).body().contains("\"sk-...wxyz\""));
        gateway.fake.reset();
        assertEquals(200, gateway.postChat(Gateway.chatBody("gpt-4o-mini", "hi")).statusCode());
        assertEquals("Bearer " + ROTATED_KEY, gateway.fake.requestsFor("gpt-4o-mini").get(0).header("authorization"), "the new key serves");
    }

    @Test
    void tokensAreCreatedShownOnceAndRevoked() throws Exception {
        browser.visible(By.id("token-name")).sendKeys("ci-reader");
        new Select(browser.driver.findElement(By.id("token-role"))).selectByValue("viewer");
        browser.driver.findElement(By.cssSelector("#tokens button[type=submit]")).click();
        String token = browser.visible(By.cssSelector("#tokens .secret")).getText();
        assertTrue(token.startsWith("sb-viewer-"), token);
        assertEquals(200, gateway.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(gateway.managementUrl() + "/admin/api/whoami"))
                .header("Authorization", "Bearer " + token).build()).statusCode());

        browser.clickable(By.cssSelector("#tokens tr[data-token='ci-reader'] button.danger")).click();
        browser.driver.switchTo().alert().accept();
        browser.waitUntilText(By.id("tokens"), "Token ci-reader revoked");
        assertEquals(401, gateway.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(gateway.managementUrl() + "/admin/api/whoami"))
                .header("Authorization", "Bearer " + token).build()).statusCode());
    }

    @Test
    void theDefaultModelIsChangedAsANewCatalogVersionWithItsDiff() throws Exception {
        new Select(browser.visible(By.id("default-model"))).selectByValue("gpt-4o");
        browser.driver.findElement(By.cssSelector("#global button[type=submit]")).click();
        browser.waitUntilText(By.id("global"), "Default chat model is now gpt-4o");
        assertTrue(gateway.admin("GET", "/admin/api/config/export", null).body().contains("chatModel: \"gpt-4o\"")
                || gateway.admin("GET", "/admin/api/config/export", null).body().contains("chatModel: gpt-4o"));

        browser.open("settings");
        String latest = browser.visible(By.cssSelector("#versions tr[data-version]")).getAttribute("data-version");
        browser.driver.findElement(By.cssSelector("#versions tr[data-version='" + latest + "'] button.diff")).click();
        browser.waitUntilText(By.id("version-diff"), "+");
        assertTrue(browser.driver.findElement(By.id("version-diff")).getText().contains("gpt-4o"));
        assertTrue(gateway.admin("GET", "/admin/api/audit?limit=50", null).body().contains("config.import"));

        String previous = String.valueOf(Integer.parseInt(latest) - 1);
        browser.driver.findElement(By.cssSelector("#versions tr[data-version='" + previous + "'] button.rollback")).click();
        browser.driver.switchTo().alert().accept();
        browser.waitUntilText(By.id("versions"), "Rolled back");
        assertTrue(gateway.admin("GET", "/admin/api/config/export", null).body().contains("gpt-4o-mini"));
        assertFalse(gateway.admin("GET", "/admin/api/config/export", null).body().matches("(?s).*chatModel: \"?gpt-4o\"?\n.*"),
                "the previous default serves again");
    }

    @Test
    void aBrokenImportIsRefusedWithTheReasonAndChangesNothing() throws Exception {
        String before = gateway.admin("GET", "/admin/api/config/versions", null).body();
        WebElement yaml = browser.visible(By.id("catalog-yaml"));
        yaml.clear();
        yaml.sendKeys("models:\n  - {id: broken, provider: nowhere}\n");
        browser.driver.findElement(By.cssSelector("#export button[type=submit]")).click();
        browser.waitUntilText(By.id("export"), "Refused");
        assertEquals(Gateway.MAPPER.readTree(before).path("current"),
                Gateway.MAPPER.readTree(gateway.admin("GET", "/admin/api/config/versions", null).body()).path("current"), "no new version");
    }
}
