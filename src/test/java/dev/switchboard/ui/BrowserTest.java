package dev.switchboard.ui;

import dev.switchboard.support.Browser;
import dev.switchboard.support.Gateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** One gateway on its defaults and one headless Chromium signed in to nothing, per browser test class. */
abstract class BrowserTest {
    static Gateway gateway;
    static Browser browser;

    @BeforeAll
    static void startGatewayAndBrowser() {
        gateway = Gateway.start();
        browser = Browser.start(gateway);
    }

    @AfterAll
    static void stopGatewayAndBrowser() {
        if (browser != null) {
            browser.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }
}
