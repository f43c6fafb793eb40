package dev.panicwatch.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Assumptions;

/**
 * A part of the machine that a test needs and Maven cannot fetch: a browser, a Docker engine, {@code /dev/kvm}.
 *
 * <p>README promises that {@code mvn verify} passes with Java 17 and Maven alone, so a test whose part is missing is
 * skipped, with one line naming the part and the command that installs it. CI must never skip silently: it runs with
 * {@code -Dpanicwatch.requireSystemParts=true}, which turns each such skip into a failure with the same line.
 *
 * @param name what is missing, as a user would look for it
 * @param install the command (or step) that provides it
 * @param present whether it is usable right now
 */
public record SystemPart(String name, String install, BooleanSupplier present) {

    /** The system property that makes a missing part fail the test instead of skipping it. */
    public static final String REQUIRE_PROPERTY = "panicwatch.requireSystemParts";

    /** Debian's headless browser and its WebDriver, at the paths Debian installs them (nothing is downloaded). */
    public static final SystemPart CHROMIUM = new SystemPart(
            "Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
            "apt-get install -y chromium chromium-driver",
            () -> isExecutable("/usr/bin/chromium") && isExecutable("/usr/bin/chromedriver"));

    /**
     * Skips the calling test when the part is missing, or fails it when {@value #REQUIRE_PROPERTY} is set. Call it
     * first in the test (or in a {@code @BeforeAll}), before anything is started.
     */
    public void require() {
        if (present.getAsBoolean()) {
            return;
        }
        String line = "needs " + name + "; install it with: " + install;
        if (Boolean.getBoolean(REQUIRE_PROPERTY)) {
            throw new AssertionError(line + " (-D" + REQUIRE_PROPERTY + "=true asks for every system part)");
        }
        // One line on the console as well: Surefire's summary counts skips but does not say why.
        System.err.println("[panicwatch] skipped: " + line);
        Assumptions.abort(line);
    }

    /** Whether a file exists and may be executed by this process. */
    public static boolean isExecutable(String path) {
        return Files.isExecutable(Path.of(path));
    }
}
