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

    /** A Docker engine that answers (Debian's docker.io; {@code deploy/images/docker-engine start} starts one). */
    public static final SystemPart DOCKER = new SystemPart(
            "a running Docker engine (Debian's docker.io)",
            "apt-get install -y docker.io docker-compose && deploy/images/docker-engine start",
            SystemPart::dockerAnswers);

    /** Hardware virtualisation this process may use, and Debian's QEMU. */
    public static final SystemPart KVM = new SystemPart(
            "a usable /dev/kvm and Debian's qemu-system-x86",
            "apt-get install -y qemu-system-x86 (and run where /dev/kvm is readable and writable)",
            () -> Files.isReadable(Path.of("/dev/kvm")) && Files.isWritable(Path.of("/dev/kvm"))
                    && isExecutable("/usr/bin/qemu-system-x86_64"));

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

    private static boolean dockerAnswers() {
        try {
            Process info = new ProcessBuilder("docker", "info").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!info.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                info.destroyForcibly();
                return false;
            }
            return info.exitValue() == 0;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Whether a file exists and may be executed by this process. */
    public static boolean isExecutable(String path) {
        return Files.isExecutable(Path.of(path));
    }
}
