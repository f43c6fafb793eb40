package dev.panicwatch.ingest.testing.guests;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;

import dev.panicwatch.testkit.SystemPart;

/**
 * What a test guest boots: a Debian kernel from {@code /boot} and an initramfs built here from Debian's
 * {@code busybox-static}. Its {@code /init} keeps as many vCPUs spinning as the kernel command line's
 * {@code panicwatch.busy=N} asks and leaves the others idle, then prints {@link #READY_LINE} on the serial console.
 *
 * <p>On a host whose KVM cannot run a stock kernel (these build machines nest KVM through PVM, and Debian's kernel
 * never gets past its real-mode setup there) the guest never reaches /init: its boot vCPU spins where the kernel
 * stopped and the others never leave wait-for-SIPI. The tests therefore measure which vCPUs are busy instead of
 * assuming it; see docs/host-sampler.md, "Real guests".
 */
public record GuestImage(Path kernel, Path initramfs) {

    /** Printed by /init once the busy vCPUs spin; a guest that prints it runs what it was asked to. */
    public static final String READY_LINE = "panicwatch-guest: ready";

    private static final Path BUSYBOX = Path.of("/bin/busybox");

    /** Debian's kernel and busybox-static, which the guest needs besides QEMU. */
    public static final SystemPart PARTS = new SystemPart(
            "a Debian kernel in /boot (linux-image-cloud-amd64) and busybox-static (/bin/busybox)",
            "apt-get install -y linux-image-cloud-amd64 busybox-static",
            () -> newestKernel().isPresent() && isStaticBusybox());

    // A shell loop per busy vCPU, pinned there with busybox's taskset; idle vCPUs halt in the kernel's idle loop.
    private static final String INIT = """
            #!/bin/busybox sh
            /bin/busybox --install -s /bin
            mount -t proc proc /proc
            mount -t sysfs sysfs /sys
            busy=0
            for arg in $(cat /proc/cmdline); do
              case "$arg" in panicwatch.busy=*) busy=${arg#panicwatch.busy=} ;; esac
            done
            cpus=$(grep -c ^processor /proc/cpuinfo)
            n=0
            while [ "$n" -lt "$busy" ] && [ "$n" -lt "$cpus" ]; do
              taskset -c "$n" sh -c 'while :; do :; done' &
              n=$((n + 1))
            done
            echo "%s busy=$n cpus=$cpus"
            while :; do sleep 3600; done
            """.formatted(READY_LINE);

    /** Builds the initramfs in {@code dir} (once; an existing one is reused) next to the newest kernel in /boot. */
    public static synchronized GuestImage buildIn(Path dir) throws IOException {
        Path kernel = newestKernel().orElseThrow(() -> new IllegalStateException(
                "no /boot/vmlinuz-*; " + PARTS.install()));
        Files.createDirectories(dir);
        Path initramfs = dir.resolve("panicwatch-guest-initramfs.cpio.gz");
        if (!Files.isRegularFile(initramfs)) {
            Path partial = dir.resolve(initramfs.getFileName() + ".partial");
            try (OutputStream file = Files.newOutputStream(partial);
                 GZIPOutputStream gzip = new GZIPOutputStream(file);
                 CpioArchiveOutputStream cpio = new CpioArchiveOutputStream(gzip, CpioConstants.FORMAT_NEW)) {
                for (String d : new String[] {"bin", "dev", "proc", "sys", "tmp"}) {
                    directory(cpio, d);
                }
                file(cpio, "init", INIT.getBytes(StandardCharsets.US_ASCII));
                file(cpio, "bin/busybox", Files.readAllBytes(BUSYBOX));
            }
            Files.move(partial, initramfs);
        }
        return new GuestImage(kernel, initramfs);
    }

    static Optional<Path> newestKernel() {
        try (Stream<Path> boot = Files.list(Path.of("/boot"))) {
            return boot.filter(p -> p.getFileName().toString().startsWith("vmlinuz-"))
                    .filter(Files::isReadable)
                    .max(Comparator.comparing(p -> p.getFileName().toString()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean isStaticBusybox() {
        // The initramfs has no libc, so a dynamically linked busybox (Debian's "busybox" package) would not start.
        try (var in = Files.newInputStream(BUSYBOX)) {
            byte[] head = in.readNBytes(4096);
            String text = new String(head, StandardCharsets.ISO_8859_1);
            return head.length > 4 && head[0] == 0x7f && !text.contains("/lib64/ld-linux");
        } catch (IOException e) {
            return false;
        }
    }

    private static void directory(CpioArchiveOutputStream cpio, String name) throws IOException {
        CpioArchiveEntry entry = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, name);
        entry.setMode(CpioConstants.C_ISDIR | 0755);
        entry.setNumberOfLinks(2);
        cpio.putArchiveEntry(entry);
        cpio.closeArchiveEntry();
    }

    private static void file(CpioArchiveOutputStream cpio, String name, byte[] content) throws IOException {
        CpioArchiveEntry entry = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, name, content.length);
        entry.setMode(CpioConstants.C_ISREG | 0755);
        entry.setNumberOfLinks(1);
        cpio.putArchiveEntry(entry);
        cpio.write(content);
        cpio.closeArchiveEntry();
    }
}
