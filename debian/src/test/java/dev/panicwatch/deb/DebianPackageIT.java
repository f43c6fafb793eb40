package dev.panicwatch.deb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.panicwatch.testkit.SystemPart;

/**
 * The .deb this module built, for real: lintian on it, then installed in a clean Debian bookworm container (the
 * debootstrapped base image of deploy/images/debian-base) with apt resolving the Java runtime from Debian's mirror,
 * its systemd units verified and found disabled, run, removed, purged, and installed once more with plain dpkg -i. A stand-in QEMU process gives the host sampler a
 * VM to sample.
 */
@Tag("integration")
class DebianPackageIT {

    private static final SystemPart LINTIAN = new SystemPart("Debian's lintian (/usr/bin/lintian)",
            "apt-get install -y lintian", () -> SystemPart.isExecutable("/usr/bin/lintian"));
    /** Containers of this test are named with this prefix (the branch that wrote it) and removed when they end. */
    private static final String CONTAINER_PREFIX = "ops-deb-";
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @Test
    void lintianFindsNoError() throws Exception {
        LINTIAN.require();
        Path deb = builtPackage();
        Result lintian = run(List.of("lintian", "--no-tag-display-limit", deb.toString()), 300);
        System.out.println("lintian " + deb.getFileName() + " (" + Files.size(deb) / (1024 * 1024) + " MiB):\n"
                + lintian.output());
        assertFalse(lintian.output().lines().anyMatch(l -> l.startsWith("E: ")), "lintian errors:\n"
                + lintian.output());
    }

    @Test
    void installsRunsAndPurgesInACleanBookwormContainer() throws Exception {
        SystemPart.DOCKER.require();
        Path deb = builtPackage();
        Result base = run(List.of(REPO.resolve("deploy/images/debian-base").toString()), 600);
        assertEquals(0, base.exit(), "deploy/images/debian-base failed:\n" + base.output());
        String image = base.output().strip().lines().reduce((a, b) -> b).orElseThrow();

        String script = String.join("\n",
                "set -eu",
                "export DEBIAN_FRONTEND=noninteractive",
                "deb=/pkg/" + deb.getFileName(),
                "echo '== dpkg -i without Java: refused for the missing dependency'",
                "if dpkg -i \"$deb\" >/tmp/dpkg.log 2>&1; then echo 'dpkg -i worked without Java?'; exit 1; fi",
                "grep -q 'default-jre-headless' /tmp/dpkg.log",
                "dpkg --purge panicwatch >/dev/null",
                "echo '== apt-get install ./deb'",
                "apt-get update -qq",
                "apt-get install -y -qq --no-install-recommends \"$deb\" >/tmp/apt.log 2>&1 || { tail -30 /tmp/apt.log; exit 1; }",
                "dpkg -s panicwatch | grep -q '^Status: install ok installed'",
                "command -v panicwatch",
                "getent passwd panicwatch",
                "test -d /var/lib/panicwatch/host",
                "for u in host-sampler ingest-http streams notify; do test -f /lib/systemd/system/panicwatch-$u.service;"
                        + " test -f /etc/panicwatch/$u.env; done",
                "test \"$(stat -c %a /etc/panicwatch/streams.env)\" = 600",
                "dpkg-query -W -f='${Conffiles}\\n' panicwatch | grep -c /etc/panicwatch/ | grep -qx 5",
                "echo '== the units: valid for systemd, none enabled'",
                "apt-get install -y -qq --no-install-recommends systemd >/dev/null 2>&1",
                "systemd-analyze verify --man=no /lib/systemd/system/panicwatch-*.service",
                "for u in host-sampler ingest-http streams notify; do"
                        + " test \"$(systemctl is-enabled panicwatch-$u.service || true)\" = disabled; done",
                "echo '== panicwatch --help'",
                "panicwatch --help | grep -q 'notify'",
                "echo '== the shipped notify.yml passes the check (the YAML parser and mail jars are in the package)'",
                "panicwatch notify --config /etc/panicwatch/notify.yml --check",
                "ls /usr/share/panicwatch/lib | grep -q '^angus-mail-'",
                "echo '== a stand-in QEMU process, then panicwatch ingest host --once --json'",
                "(exec -a /usr/bin/qemu-system-x86_64 bash -c 'sleep 600; :' -id 104 -name macos-ci -smp 4) &",
                "for i in $(seq 50); do pgrep -f 'qemu-system-x86_64' >/dev/null && break; sleep 0.1; done",
                "su -s /bin/sh panicwatch -c 'panicwatch ingest host --once --json' > /tmp/sample.json",
                "cat /tmp/sample.json",
                "grep -q '\"vmId\"' /tmp/sample.json",
                "kill %1 || true",
                "echo '== remove: the program goes, the settings stay'",
                "apt-get remove -y -qq panicwatch >/dev/null",
                "test ! -e /usr/bin/panicwatch && test ! -e /usr/share/panicwatch",
                "test -f /etc/panicwatch/notify.yml",
                "echo '== purge: nothing left'",
                "apt-get purge -y -qq panicwatch >/dev/null",
                "test ! -e /etc/panicwatch && test ! -e /var/lib/panicwatch && test ! -e /lib/systemd/system/panicwatch-streams.service",
                "! dpkg -s panicwatch >/dev/null 2>&1",
                "echo '== dpkg -i with Java present'",
                "dpkg -i \"$deb\" >/dev/null",
                "panicwatch parse --help >/dev/null",
                "dpkg --purge panicwatch >/dev/null",
                "test ! -e /etc/panicwatch",
                "echo PACKAGE-OK");
        String container = CONTAINER_PREFIX + UUID.randomUUID().toString().substring(0, 8);
        Result inside = run(List.of("docker", "run", "--rm", "--name", container,
                "-v", deb.getParent() + ":/pkg:ro", image, "bash", "-c", script), 900);
        System.out.println(inside.output());
        assertEquals(0, inside.exit(), "the package test in " + image + " failed:\n" + inside.output());
        assertTrue(inside.output().contains("PACKAGE-OK"), inside.output());
        assertTrue(inside.output().contains("\"vmId\""), "the host sampler printed a sample of the stand-in VM");
    }

    private static Path builtPackage() throws IOException {
        List<Path> debs = new ArrayList<>();
        try (DirectoryStream<Path> found = Files.newDirectoryStream(Path.of("target"), "panicwatch_*_all.deb")) {
            found.forEach(debs::add);
        }
        assertEquals(1, debs.size(), "exactly one panicwatch_*_all.deb in target/ (mvn -Pdeb package builds it)");
        return debs.get(0).toAbsolutePath();
    }

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        File log = Files.createTempFile(Path.of("target"), "run-", ".log").toFile();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return new Result(-1, "timed out after " + timeoutSeconds + " s: " + String.join(" ", command) + "\n"
                    + Files.readString(log.toPath(), StandardCharsets.UTF_8));
        }
        String output = Files.readString(log.toPath(), StandardCharsets.UTF_8);
        Files.delete(log.toPath());
        return new Result(process.exitValue(), output);
    }
}
