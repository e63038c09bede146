package dev.switchboard.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}) driven by Selenium, for the
 * management UI's tests: one per test class, with a fresh profile. Waits are explicit ({@link WebDriverWait}), never
 * sleeps. Screenshots go to {@code target/ui-screenshots/<name>.png}.
 */
public final class Browser implements AutoCloseable {
    public static final String CHROMIUM = "/usr/bin/chromium";
    public static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    public static final Path SCREENSHOTS = Path.of("target", "ui-screenshots");
    /** How long a page or fragment may take to show what a test waits for. */
    public static final Duration WAIT = Duration.ofSeconds(20);
    private static final String WINDOW_SIZE = "--window-size=1366,900";

    public final ChromeDriver driver;
    private final Path profile;
    private final String uiBase;

    private Browser(ChromeDriver driver, Path profile, String uiBase) {
        this.driver = driver;
        this.profile = profile;
        this.uiBase = uiBase;
    }

    /** A browser for the UI of {@code gateway} (its management port). */
    public static Browser start(Gateway gateway) {
        try {
            Path profile = Files.createTempDirectory("switchboard-chromium");
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM);
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--user-data-dir=" + profile, WINDOW_SIZE);
            LoggingPreferences logs = new LoggingPreferences();
            logs.enable(LogType.BROWSER, Level.ALL);
            options.setCapability("goog:loggingPrefs", logs);
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(Path.of(CHROMEDRIVER).toFile())
                    .usingAnyFreePort().build();
            return new Browser(new ChromeDriver(service, options), profile, gateway.managementUrl() + "/ui/");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens {@code /ui/<path>} (a screen id such as "providers"). */
    public Browser open(String path) {
        driver.get(uiBase + path);
        return this;
    }

    /** Opens a screen and signs in with {@code token} through the sign-in form, as a person does. */
    public Browser signIn(String screen, String token) {
        // Forget an earlier sign-in first: checking for the sign-out button would race the page's own token check.
        open(screen);
        driver.executeScript("sessionStorage.clear();");
        open(screen);
        WebElement field = visible(By.id("signin-token"));
        field.sendKeys(token);
        WebElement before = driver.findElement(By.id("main"));
        driver.findElement(By.cssSelector("#signin-form button[type=submit]")).click();
        waiting().until(d -> gone(before)); // signing in reloads the page
        visible(By.id("main"));
        waitUntilText(By.id("who"), "(");
        return this;
    }

    /** Whether an element's page is gone; chromedriver says so with a stale reference or a generic error. */
    private static boolean gone(WebElement element) {
        try {
            element.isEnabled();
            return false;
        } catch (org.openqa.selenium.WebDriverException e) {
            return true;
        }
    }

    public WebDriverWait waiting() {
        // htmx swaps fragments in (polling, responses) and sign-in reloads the page: an element found a moment ago
        // may be gone, which chromedriver reports as stale or as "Node ... does not belong to the document"; look again.
        return (WebDriverWait) new WebDriverWait(driver, WAIT).ignoring(org.openqa.selenium.WebDriverException.class);
    }

    public WebElement visible(By by) {
        return waiting().until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    public WebElement clickable(By by) {
        return waiting().until(ExpectedConditions.elementToBeClickable(by));
    }

    /** Waits until the element's text contains {@code text}; answers the element. */
    public WebElement waitUntilText(By by, String text) {
        waiting().until(ExpectedConditions.textToBePresentInElementLocated(by, text));
        return driver.findElement(by);
    }

    public List<WebElement> all(By by) {
        return driver.findElements(by);
    }

    /** Runs script in the page (tests use it to forge requests as a page could). */
    public Object script(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeAsyncScript(js, args);
    }

    /** True when a JavaScript alert is open (an injected script would open one). */
    public boolean alertOpen() {
        try {
            driver.switchTo().alert();
            return true;
        } catch (NoAlertPresentException e) {
            return false;
        }
    }

    /** The page's console messages since the last call that are Content-Security-Policy violations (none expected). */
    public List<String> cspViolations() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream().map(LogEntry::getMessage)
                .filter(m -> m.contains("Content Security Policy")).toList();
    }

    /** Saves a screenshot as {@code target/ui-screenshots/<name>.png}. */
    public Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path target = SCREENSHOTS.resolve(name + ".png");
            Files.move(driver.getScreenshotAs(OutputType.FILE).toPath(), target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            deleteProfile();
        }
    }

    private void deleteProfile() {
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a profile left in the temp folder is harmless
        }
    }
}
