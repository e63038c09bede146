package dev.switchboard.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Browser;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The "configuring model parameters" workflow in real Chromium: filter the models, open one, see a refused value next to
 * its field, save default parameters and a context window, and test the model through the gateway. Checked through the
 * API too: the catalog has the new values and the next request to the model carries the default parameters.
 */
class ModelScreenTest extends BrowserTest {
    @Test
    void configuringModelParameters() throws IOException {
        browser.signIn("models", Gateway.ADMIN_TOKEN);
        browser.waitUntilText(By.id("model-table"), "gpt-4o-mini");
        new Select(browser.visible(By.name("capability"))).selectByValue("embeddings");
        browser.waiting().until(d -> d.findElements(By.cssSelector("#model-table tbody tr")).size() == 1);
        assertEquals("text-embedding-3-small", browser.driver.findElement(By.cssSelector("#model-table tbody tr")).getAttribute("data-model"));
        new Select(browser.visible(By.name("capability"))).selectByValue("");
        browser.clickable(By.cssSelector("tr[data-model='gpt-4o'] button.open-model")).click();

        WebElement window = browser.visible(By.id("model-contextWindow"));
        window.clear();
        window.sendKeys("lots");
        browser.clickable(By.id("model-save")).click();
        assertTrue(browser.visible(By.id("error-contextWindow")).getText().contains("contextWindow"));

        window = browser.visible(By.id("model-contextWindow"));
        window.clear();
        window.sendKeys("64000");
        WebElement defaults = browser.driver.findElement(By.id("model-defaults"));
        defaults.clear();
        defaults.sendKeys("{\"temperature\": 0.3}");
        browser.driver.findElement(By.id("model-comment")).sendKeys("calmer answers");
        browser.clickable(By.id("model-save")).click();
        browser.waitUntilText(By.cssSelector("#model-editor-card .notice"), "Saved: catalog version");

        JsonNode model = Gateway.MAPPER.readTree(gateway.admin("GET", "/admin/api/catalog/models/gpt-4o", null).body());
        assertEquals(64000, model.path("contextWindow").asInt(), model.toString());
        assertEquals(0.3, model.path("defaults").path("temperature").asDouble(), 1e-9);
        HttpResponse<String> chat = gateway.postChat(Gateway.chatBody("gpt-4o", "hello"));
        assertEquals(200, chat.statusCode(), chat.body());
        List<dev.switchboard.fakes.FakeServer.Recorded> sent = gateway.fake.requestsFor("gpt-4o");
        assertEquals(0.3, sent.get(sent.size() - 1).json().path("temperature").asDouble(), 1e-9, "the saved default parameter is sent");

        browser.clickable(By.id("model-test-send")).click();
        browser.waitUntilText(By.id("model-test-result"), "Time to first token");
        assertTrue(browser.driver.findElement(By.id("test-latency")).getText().endsWith("ms"));
        assertTrue(browser.driver.findElement(By.id("test-tokens")).getText().matches("\\d+ / [1-9]\\d* / \\d+"));
        browser.screenshot("models");
    }

    @Test
    void aViewerSeesNoWriteControlsAndAForgedSaveIsRefused() {
        String viewer = gateway.createToken("model-viewer", "viewer");
        browser.signIn("models", viewer);
        browser.clickable(By.cssSelector("tr[data-model='gpt-4o-mini'] button.open-model")).click();
        browser.visible(By.id("model-editor"));
        assertTrue(browser.all(By.id("model-save")).isEmpty());
        assertTrue(browser.all(By.id("model-test")).isEmpty());
        Object status = browser.script("const done = arguments[arguments.length - 1];"
                + "import('/ui/assets/ui.js').then(ui => ui.api('PUT', '/admin/api/catalog/models/gpt-4o-mini', "
                + "JSON.stringify({provider: 'openai', contextWindow: 1}))).then(r => done(r.status));");
        assertEquals(403L, status);
        browser.signIn("models", Gateway.ADMIN_TOKEN);
    }
}
