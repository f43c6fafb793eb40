package dev.panicwatch.streams.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.logging.Level;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

import dev.panicwatch.streams.config.QueryApiSettings;
import dev.panicwatch.streams.app.ServedApp;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;
import dev.panicwatch.testkit.SystemPart;

/**
 * The dashboard in a real headless Chromium (Debian's chromium and chromium-driver, no downloads): the page loads,
 * both charts draw this run's data, the advice table shows the advice, and the browser console stays free of errors.
 * A screenshot is saved to target/dashboard.png. Without Chromium the test is skipped with one line saying what to
 * install (a failure under -Dpanicwatch.requireSystemParts=true, as in CI).
 */
@IntegrationTest
class DashboardIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String TOKEN = "dashboard-it-token";

    @Test
    void dashboardDrawsTheRatesLoadAndAdvice(StackEndpoints stack) throws Exception {
        SystemPart.CHROMIUM.require();
        QueryApiSettings api = new QueryApiSettings(0, "localhost", Optional.of(TOKEN));
        try (ServedApp app = ServedApp.start(Fleet.quickSettings(),
                Fleet.appConfig(stack, "panicwatch-dashboard-it-" + UUID.randomUUID()), api);
             Fleet fleet = new Fleet(stack)) {
            await("streams app RUNNING").atMost(Duration.ofSeconds(60))
                    .until(() -> new ApiClient(app.url(), null).get("/health").status() == 200);

            String vm1 = fleet.vmInPartition("dash", 0);
            String vm2 = fleet.vmInPartition("dash", 1);
            String vm3 = fleet.vmInPartition("dash", 2);
            String host = fleet.host("pve");
            Instant base = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(2));
            // vm1: the seed's overloaded host (3 samples at load1 110 on 32 CPUs), a TLB-flush panic and three kernel
            // traps: 4 panics, advice vti 9. vm2: 2 kernel traps, no advice. vm3: a watchdog timeout → INVESTIGATE.
            for (int minute : new int[] {10, 15, 19}) {
                fleet.load(vm1, host, base.plus(Duration.ofMinutes(minute)), 32, 110, 0.3);
            }
            fleet.panic(vm1, host, base.plus(Duration.ofMinutes(20)), Fleet.TLB_FLUSH, "keepsyms=1");
            for (int minute : new int[] {50, 70, 100}) {
                fleet.panic(vm1, host, base.plus(Duration.ofMinutes(minute)), Fleet.KERNEL_TRAP, null);
            }
            fleet.panic(vm2, host, base.plus(Duration.ofMinutes(30)), Fleet.KERNEL_TRAP, null);
            fleet.panic(vm2, host, base.plus(Duration.ofMinutes(90)), Fleet.KERNEL_TRAP, null);
            fleet.panic(vm3, host, base.plus(Duration.ofMinutes(40)), Fleet.WATCHDOG, null);

            ApiClient client = new ApiClient(app.url(), TOKEN);
            await("panics counted and advice decided").atMost(Duration.ofSeconds(60)).until(() ->
                    client.get("/api/v1/remediation", "vm", vm1).status() == 200
                            && client.get("/api/v1/remediation", "vm", vm3).status() == 200
                            && client.get("/api/v1/panic-rates", "top", "10").body().path("vms").size() == 3);

            WebDriver browser = startBrowser();
            try {
                browser.get(app.url() + "/#token=" + TOKEN);
                await("dashboard finished loading").atMost(Duration.ofSeconds(30))
                        .until(() -> !"loading".equals(body(browser).getDomAttribute("data-state")));
                saveScreenshot(browser);
                WebElement body = body(browser);
                assertThat(body.getDomAttribute("data-state")).as("error box: %s",
                        browser.findElement(By.id("error")).getText()).isEqualTo("ready");
                // One rate series per VM of this run; the load chart shows vm1 (most panics): 3 samples, 4 panics.
                assertThat(body.getDomAttribute("data-rate-series")).isEqualTo("3");
                assertThat(body.getDomAttribute("data-load-points")).isEqualTo("3");
                assertThat(body.getDomAttribute("data-load-panics")).isEqualTo("4");
                assertThat(body.getDomAttribute("data-advice-rows")).isEqualTo("2");
                assertThat(browser.findElements(By.cssSelector("#rate-chart canvas"))).isNotEmpty();
                assertThat(browser.findElements(By.cssSelector("#load-chart canvas"))).isNotEmpty();
                assertThat(browser.findElement(By.id("vm")).getDomProperty("value")).isEqualTo(vm1);

                List<WebElement> rows = browser.findElements(By.cssSelector("#advice tbody tr"));
                assertThat(rows).hasSize(3);
                assertThat(rows.get(0).getText()).contains(vm1, "keepsyms=1 tlbto_us=0 vti=9", "RAISE_VTI");
                assertThat(rows.get(1).getText()).contains(vm2, "no advice yet");
                assertThat(rows.get(2).getText()).contains(vm3, "INVESTIGATE");

                List<LogEntry> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                        .filter(entry -> entry.getLevel().intValue() >= Level.WARNING.intValue())
                        .toList();
                assertThat(errors).as("browser console warnings and errors").isEmpty();
            } finally {
                browser.quit();
            }
        }
    }

    private static WebElement body(WebDriver browser) {
        return browser.findElement(By.tagName("body"));
    }

    private static WebDriver startBrowser() throws Exception {
        ChromeOptions options = new ChromeOptions();
        // An explicit binary and driver: Selenium Manager must not try to download either.
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1280,1400",
                "--user-data-dir=" + Files.createTempDirectory("panicwatch-chromium-"));
        LoggingPreferences logging = new LoggingPreferences();
        logging.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logging);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static void saveScreenshot(WebDriver browser) throws Exception {
        File shot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
        Path target = Path.of("target", "dashboard.png");
        Files.createDirectories(target.getParent());
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
    }
}
