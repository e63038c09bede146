package dev.switchboard.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.fakes.FakeAnthropic;
import dev.switchboard.fakes.FakeOpenAi;
import dev.switchboard.support.Browser;
import dev.switchboard.support.Gateway;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/** The Provider Dashboard and the add-provider workflow in real Chromium, each effect checked through the API. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProviderDashboardUiTest {
    private static final String ACME_KEY = "sk-acme-secret-key-0123456789abcdef";
    private static Gateway gateway;
    private static FakeOpenAi acme;
    private static FakeAnthropic anthropic;
    private static Browser browser;

    @BeforeAll
    static void start() {
        gateway = Gateway.start();
        acme = FakeOpenAi.start();
        anthropic = FakeAnthropic.start();
        browser = Browser.start(gateway);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (acme != null) {
            acme.close();
        }
        if (anthropic != null) {
            anthropic.close();
        }
    }

    @Test
    @Order(1)
    void theDashboardRefreshesItselfWithoutReloadingThePage() {
        browser.signIn("providers", Gateway.ADMIN_TOKEN);
        By openaiToday = By.cssSelector("[data-provider='openai'] .today-requests");
        browser.waitUntilText(openaiToday, "0");
        browser.script("window.switchboardTestMarker = 'still here'; arguments[arguments.length - 1](null);");

        assertEquals(200, gateway.postChat(Gateway.chatBody("gpt-4o-mini", "hello")).statusCode());

        browser.waiting().until(d -> !d.findElement(openaiToday).getText().equals("0"));
        assertEquals("1", browser.waiting().until(d -> d.findElement(openaiToday).getText()));
        assertEquals("still here", browser.driver.executeScript("return window.switchboardTestMarker;"), "no page reload");
        assertTrue(browser.waiting().until(d -> d.findElement(By.cssSelector("[data-provider='openai'] tr[data-model='gpt-4o-mini'] .breaker"))
                .getText()).contains("CLOSED"));
        browser.visible(By.cssSelector(".chart[data-chart-drawn] canvas"));
        browser.screenshot("dashboard");
    }

    @Test
    @Order(2)
    void aRefusedKeyShowsTheFailureClassAndAddsNothing() {
        browser.open("providers");
        browser.clickable(By.id("add-provider-open")).click();
        new Select(browser.visible(By.id("provider-type"))).selectByValue("anthropic");
        browser.driver.findElement(By.id("provider-id")).sendKeys("claude-nokey");
        browser.driver.findElement(By.id("provider-base-url")).sendKeys(anthropic.baseUrl());
        browser.driver.findElement(By.id("provider-check")).click();
        WebElement refusal = browser.waitUntilText(By.id("provider-models"), "Refused");
        assertTrue(refusal.getText().contains("auth"), "names the failure class: " + refusal.getText());
        assertFalse(gateway.admin("GET", "/admin/api/providers", null).body().contains("claude-nokey"));
    }

    @Test
    @Order(3)
    void anAdminAddsAProviderWhoseModelsServeWithTheirNewDefaultsAndPrices() throws Exception {
        browser.open("providers");
        browser.clickable(By.id("add-provider-open")).click();
        new Select(browser.visible(By.id("provider-type"))).selectByValue("openai");
        browser.driver.findElement(By.id("provider-id")).sendKeys("acme");
        browser.driver.findElement(By.id("provider-base-url")).sendKeys(acme.baseUrl());
        browser.driver.findElement(By.id("provider-key")).sendKeys(ACME_KEY);
        browser.driver.findElement(By.id("provider-check")).click();

        browser.waitUntilText(By.id("provider-models"), "The key works");
        By row = By.cssSelector("#provider-models tr[data-model='fake-model']");
        browser.visible(row);
        WebElement input = browser.driver.findElement(row).findElement(By.name("inputPrice"));
        input.clear();
        input.sendKeys("1500000");
        browser.driver.findElement(row).findElement(By.name("outputPrice")).clear();
        browser.driver.findElement(row).findElement(By.name("outputPrice")).sendKeys("0");
        browser.driver.findElement(row).findElement(By.name("temperature")).sendKeys("0.3");
        browser.screenshot("add-provider");
        browser.driver.findElement(By.id("provider-save")).click();
        browser.waitUntilText(By.id("provider-added"), "acme added");
        browser.waitUntilText(By.id("providers"), "acme");
        assertFalse(browser.driver.getPageSource().contains(ACME_KEY), "the key is never shown back");

        JsonNode providers = Gateway.MAPPER.readTree(gateway.admin("GET", "/admin/api/providers", null).body());
        JsonNode added = null;
        for (JsonNode p : providers.path("providers")) {
            if (p.path("id").asText().equals("acme")) {
                added = p;
            }
        }
        assertTrue(added != null, providers.toString());
        assertEquals("sk-...cdef", added.path("key").asText());

        HttpResponse<String> chat = gateway.postChat(Gateway.chatBody("fake-model", "hi"));
        assertEquals(200, chat.statusCode(), chat.body());
        assertEquals("acme", chat.headers().firstValue("x-switchboard-provider").orElse(""));
        assertTrue(acme.requests().stream().anyMatch(r -> r.path().endsWith("/chat/completions") && r.body().contains("\"temperature\":0.3")),
                "the default temperature set in the form is sent");
        JsonNode usage = gateway.usageRow(chat.headers().firstValue("x-switchboard-request-id").orElseThrow());
        assertTrue(usage.path("cost_usd").asDouble() > 0, "the input price set in the form is charged: " + usage);
    }
}
