package dev.panicwatch.ingest.testing.guests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One QEMU/KVM guest a test started, and the handle that stops it. Its vCPU threads are found the way the sampler
 * finds them (thread name {@code CPU n/KVM}), so a test can read their scheduler statistics itself and pin them.
 *
 * @param name    the {@code -name} (libvirt's {@code guest=}); the VM id on a plain QEMU host
 * @param vmid    the Proxmox vmid, or null for a libvirt-style guest
 * @param uuid    the SMBIOS system UUID given to QEMU
 * @param vcpus   the {@code -smp} count
 * @param process QEMU itself (never daemonized, so this handle is QEMU's pid)
 * @param monitor QEMU's human monitor socket, for pausing and resuming the vCPUs
 * @param console the guest's serial console, written by QEMU
 */
public record KvmGuest(String name, String vmid, String uuid, int vcpus, Process process, Path monitor,
                       Path console) implements AutoCloseable {

    public long pid() {
        return process.pid();
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    /** The vCPU threads' ids, by vCPU index; fewer than {@link #vcpus} while QEMU is still creating them. */
    public TreeMap<Integer, Integer> vcpuThreads() {
        TreeMap<Integer, Integer> threads = new TreeMap<>();
        Path tasks = Path.of("/proc", Long.toString(pid()), "task");
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
            for (Path task : dir) {
                Optional<String> comm = readQuietly(task.resolve("comm"));
                if (comm.isPresent() && comm.get().matches("CPU \\d+/KVM")) {
                    String index = comm.get().substring(4, comm.get().indexOf('/'));
                    threads.put(Integer.parseInt(index), Integer.parseInt(task.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            return threads; // QEMU exited: no threads
        }
        return threads;
    }

    /** Whether /init reported that it runs (see {@link GuestImage}); false while booting, or where it never boots. */
    public boolean reachedInit() {
        return readQuietly(console).map(text -> text.contains(GuestImage.READY_LINE)).orElse(false);
    }

    /**
     * Whether the guest's kernel has started: its real-mode setup code prints "Probing EDD" on the serial console
     * once the firmware hands over, and /init its ready line.
     */
    public boolean pastFirmware() {
        return readQuietly(console).map(text -> text.contains("Probing EDD") || text.contains(GuestImage.READY_LINE))
                .orElse(false);
    }

    /** Stops the vCPUs (HMP {@code stop}): their threads sleep until {@link #resume()}. */
    public void pause() {
        hmp("stop");
    }

    /** Lets the vCPUs run again (HMP {@code cont}). */
    public void resume() {
        hmp("cont");
    }

    /** Pins every vCPU thread to host CPU {@code cpu} ({@code taskset -p}), to make them share that core. */
    public void pinVcpusTo(int cpu) {
        List<String> tids = vcpuThreads().values().stream().map(String::valueOf).toList();
        for (String tid : tids) {
            HostCommands.run("taskset", "-p", "-c", Integer.toString(cpu), tid);
        }
    }

    /** Stops QEMU (SIGTERM, then SIGKILL after 10 s) and waits until it is gone; safe to call twice. */
    public void stop() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** One human-monitor command; returns what QEMU answered before its next prompt. */
    private String hmp(String command) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(monitor));
            readUntilPrompt(channel, Duration.ofSeconds(10)); // the banner
            channel.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII)));
            return readUntilPrompt(channel, Duration.ofSeconds(10));
        } catch (IOException e) {
            throw new UncheckedIOException("QEMU monitor of " + name + " (" + monitor + ") did not take '"
                    + command + "'", e);
        }
    }

    private String readUntilPrompt(SocketChannel channel, Duration timeout) throws IOException {
        StringBuilder text = new StringBuilder();
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!text.toString().contains("(qemu) ")) {
            if (System.nanoTime() > deadline) {
                throw new IOException("no '(qemu)' prompt within " + timeout + "; got '" + text + "'");
            }
            buffer.clear();
            int n = channel.read(buffer);
            if (n < 0) {
                throw new IOException("monitor closed; got '" + text + "'");
            }
            text.append(new String(buffer.array(), 0, n, StandardCharsets.ISO_8859_1));
        }
        return text.toString();
    }

    static Optional<String> readQuietly(Path file) {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.ISO_8859_1).trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The QEMU command line this harness starts every guest with, after the platform's own options. */
    static List<String> commonOptions(GuestImage image, Path dir, int busyVcpus) {
        List<String> argv = new ArrayList<>(List.of(
                "-enable-kvm",
                // -cpu host as Proxmox's "host" CPU type, less arch-capabilities: KVM nested through PVM refuses
                // to set MSR 0x10a and QEMU 7.2 aborts on it.
                "-cpu", "host,-arch-capabilities",
                "-m", "128",
                // -nographic rather than -display none: only then does QEMU tell SeaBIOS to use the serial console,
                // which shows how far a guest got (the serial and monitor go where -serial and -monitor say).
                "-nodefaults", "-nographic", "-no-reboot",
                "-serial", "file:" + dir.resolve("console.log"),
                "-kernel", image.kernel().toString(),
                "-initrd", image.initramfs().toString(),
                "-append", "console=ttyS0 panic=-1 panicwatch.busy=" + busyVcpus));
        return argv;
    }
}
