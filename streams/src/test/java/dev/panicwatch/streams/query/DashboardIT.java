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
 * the charts draw this run's data, the advice table shows the advice, the outcome table shows each VM's advice
 * outcome and the peers at risk, the per-VM chart marks when the advice was applied, and the browser console stays
 * free of errors. Screenshots are saved to target/dashboard.png (the top) and target/dashboard-outcomes.png (the
 * outcomes). Without Chromium the test is skipped with one line saying what to install (a failure under
 * -Dpanicwatch.requireSystemParts=true, as in CI).
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
            // Two guests of vm1's host that never panic: vm4 reports vti 6 (warned before it panics), vm5 reports
            // nothing (named "unknown vti"). vm6 panics on another host.
            String vm4 = fleet.vmInPartition("peer", 0);
            String vm5 = fleet.vmInPartition("peer", 1);
            String vm6 = fleet.vmInPartition("other", 2);
            String otherHost = fleet.host("pve2");
            Instant base = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(2));
            fleet.guest(vm4, host, base.plus(Duration.ofMinutes(5)), "keepsyms=1", base.minus(Duration.ofDays(2)));
            // vm1: the seed's overloaded host (3 samples at load1 110 on 32 CPUs), a TLB-flush panic and three kernel
            // traps: 4 panics, advice vti 9. vm2: 2 kernel traps, no advice. vm3: a watchdog timeout → INVESTIGATE.
            for (int minute : new int[] {10, 15, 19}) {
                fleet.load(vm1, host, base.plus(Duration.ofMinutes(minute)), 32, 110, 0.3);
                fleet.load(vm4, host, base.plus(Duration.ofMinutes(minute)), 32, 110, 0.3);
                fleet.load(vm5, host, base.plus(Duration.ofMinutes(minute)), 32, 110, 0.3);
            }
            // vm6: the same overload on its own host and a TLB-flush panic at base + 30 min: advice vti 9.
            fleet.load(vm6, otherHost, base.plus(Duration.ofMinutes(25)), 32, 110, null);
            fleet.load(vm6, otherHost, base.plus(Duration.ofMinutes(28)), 32, 110, null);
            fleet.panic(vm6, otherHost, base.plus(Duration.ofMinutes(30)), Fleet.TLB_FLUSH, "keepsyms=1");
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
                            && client.get("/api/v1/remediation", "vm", vm6).status() == 200
                            && client.get("/api/v1/panic-rates", "top", "10").body().path("vms").size() == 4);
            // Sent once the advice is out (earlier, vm1's kernel traps, which carry no boot-args, would read as the
            // advice reverted): vm1 reports the advice at base + 45 min, after a reboot at base + 40 min; vm6
            // rebooted at base + 40 min without it.
            fleet.guest(vm1, host, base.plus(Duration.ofMinutes(45)), "keepsyms=1 tlbto_us=0 vti=9",
                    base.plus(Duration.ofMinutes(40)));
            fleet.guest(vm6, otherHost, base.plus(Duration.ofMinutes(50)), "keepsyms=1",
                    base.plus(Duration.ofMinutes(40)));
            await("outcomes and peers known").atMost(Duration.ofSeconds(60)).until(() ->
                    "APPLIED".equals(client.get("/api/v1/advice-outcome", "vm", vm1).body().path("status").asText())
                            && "NOT_APPLIED".equals(client.get("/api/v1/advice-outcome", "vm", vm6).body()
                                    .path("status").asText())
                            && client.get("/api/v1/at-risk", "host", host).body().path("advice").size() == 1
                            && client.get("/api/v1/at-risk", "host", otherHost).body().path("advice").size() == 1);

            WebDriver browser = startBrowser();
            try {
                browser.get(app.url() + "/#token=" + TOKEN);
                await("dashboard finished loading").atMost(Duration.ofSeconds(30))
                        .until(() -> !"loading".equals(body(browser).getDomAttribute("data-state")));
                saveScreenshot(browser, "dashboard.png");
                ((ChromeDriver) browser).executeScript("document.getElementById('outcome-chart').scrollIntoView()");
                saveScreenshot(browser, "dashboard-outcomes.png");
                WebElement body = body(browser);
                assertThat(body.getDomAttribute("data-state")).as("error box: %s",
                        browser.findElement(By.id("error")).getText()).isEqualTo("ready");
                // One rate series per VM of this run that panicked; the load chart shows vm1 (most panics): 24
                // hours reach past the 30-minute raw window, so its 3 samples (base + 10, 15, 19 min) come as the
                // summaries of two 5-minute intervals (:10 and :15), and 4 panics.
                assertThat(body.getDomAttribute("data-rate-series")).isEqualTo("4");
                assertThat(body.getDomAttribute("data-load-resolution")).isEqualTo("PT5M");
                assertThat(body.getDomAttribute("data-load-points")).isEqualTo("2");
                assertThat(body.getDomAttribute("data-load-samples")).isEqualTo("3");
                assertThat(body.getDomAttribute("data-load-panics")).isEqualTo("4");
                assertThat(body.getDomAttribute("data-advice-rows")).isEqualTo("3");
                assertThat(browser.findElements(By.cssSelector("#rate-chart canvas"))).isNotEmpty();
                assertThat(browser.findElements(By.cssSelector("#load-chart canvas"))).isNotEmpty();
                assertThat(browser.findElement(By.id("vm")).getDomProperty("value")).isEqualTo(vm1);

                List<WebElement> rows = browser.findElements(By.cssSelector("#advice tbody tr"));
                assertThat(rows).hasSize(4);
                assertThat(rows.get(0).getText()).contains(vm1, "keepsyms=1 tlbto_us=0 vti=9", "RAISE_VTI");
                assertThat(rows.get(1).getText()).contains(vm2, "no advice yet");
                // vm3 and vm6 have one panic each: ties are ordered by VM id ("...-dash/..." before "...-other/...").
                assertThat(rows.get(2).getText()).contains(vm3, "INVESTIGATE");
                assertThat(rows.get(3).getText()).contains(vm6, "RAISE_VTI");

                // The outcomes, by VM id. vm1: advised at its TLB-flush panic (base + 20 min) vti 6 -> 9 with
                // tlbto_us=0; applied when its guest state showed the advice (base + 45 min). Before = the day up
                // to the advice: 1 timeout panic = 1.00/day; after = [45 min, 45 min], nothing yet: 0.00. The
                // kernel traps are not timeout panics. At risk on its host: vm4 (vti 6 < 9) warned to 9; vm5 without
                // a guest state. vm6: advised at base + 30 min; its guest rebooted at base + 40 min without the
                // advice: NOT_APPLIED, nothing applied, no "after"; no other guest on its host.
                assertThat(body.getDomAttribute("data-outcome-rows")).isEqualTo("2");
                List<WebElement> outcomes = browser.findElements(By.cssSelector("#outcomes tbody tr"));
                assertThat(outcomes).hasSize(2);
                assertThat(cells(outcomes.get(0))).containsExactly(vm1,
                        minute(base.plus(Duration.ofMinutes(20))) + ", vti 9 and tlbto_us=0",
                        minute(base.plus(Duration.ofMinutes(45))), "1.00 \u2192 0.00", "APPLIED",
                        vm4 + " (vti 6 \u2192 9); unknown vti: " + vm5);
                assertThat(cells(outcomes.get(1))).containsExactly(vm6,
                        minute(base.plus(Duration.ofMinutes(30))) + ", vti 9 and tlbto_us=0", "\u2013",
                        "1.00 \u2192 \u2013", "NOT_APPLIED", "none");
                assertThat(outcomes.get(1).findElement(By.cssSelector(".verdict")).getDomAttribute("title"))
                        .contains("rebooted");

                // The per-VM chart opens on the VM that applied its advice, with both markers in the 24 h span, and
                // the APPLIED line is really drawn: the canvas pixel in its middle has its colour (#2ca02c).
                assertThat(browser.findElement(By.id("outcome-vm")).getDomProperty("value")).isEqualTo(vm1);
                assertThat(body.getDomAttribute("data-outcome-vm")).isEqualTo(vm1);
                assertThat(body.getDomAttribute("data-advised-marker"))
                        .isEqualTo(base.plus(Duration.ofMinutes(20)).toString());
                assertThat(body.getDomAttribute("data-applied-marker"))
                        .isEqualTo(base.plus(Duration.ofMinutes(45)).toString());
                String[] pixel = body.getDomAttribute("data-applied-marker-pixel").split(",");
                Object rgb = ((ChromeDriver) browser).executeScript("const c = document.querySelector("
                        + "'#outcome-chart canvas'); return Array.from(c.getContext('2d').getImageData("
                        + "arguments[0], arguments[1], 1, 1).data.slice(0, 3));",
                        Integer.parseInt(pixel[0]), Integer.parseInt(pixel[1]));
                assertThat(rgb).isEqualTo(List.of(0x2cL, 0xa0L, 0x2cL));

                List<LogEntry> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                        .filter(entry -> entry.getLevel().intValue() >= Level.WARNING.intValue())
                        .toList();
                assertThat(errors).as("browser console warnings and errors").isEmpty();
            } finally {
                browser.quit();
            }
        }
    }

    private static List<String> cells(WebElement row) {
        return row.findElements(By.tagName("td")).stream().map(WebElement::getText).toList();
    }

    /** How the dashboard shows an event time: to the minute, in UTC. */
    private static String minute(Instant time) {
        return time.toString().substring(0, 16).replace('T', ' ') + " UTC";
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

    private static void saveScreenshot(WebDriver browser, String name) throws Exception {
        File shot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
        Path target = Path.of("target", name);
        Files.createDirectories(target.getParent());
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
    }
}
