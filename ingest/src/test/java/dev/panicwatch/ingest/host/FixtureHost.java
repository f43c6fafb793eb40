package dev.panicwatch.ingest.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.panicwatch.schemas.HostLoadSample;

/**
 * A recorded host from {@code src/test/resources/hostfixtures/<name>}: {@code round1} is the whole tree at the first
 * reading, {@code round2} holds only the files whose counters moved ten seconds later. The test works on a copy, so it
 * can also delete or rewrite files between rounds.
 */
final class FixtureHost {

    private final String name;
    final Path root;

    private FixtureHost(String name, Path root) {
        this.name = name;
        this.root = root;
    }

    static FixtureHost copy(String name, Path tempDir) {
        FixtureHost host = new FixtureHost(name, tempDir.resolve(name));
        copyTree(resource(name + "/round1"), host.root);
        return host;
    }

    HostRoots roots() {
        return HostRoots.under(root);
    }

    /**
     * A sampler of this host with its platform detected, the host id read from the tree and a 10 s nominal interval.
     *
     * @param vmIdPrefix prefix of Proxmox VM ids (ignored on a plain QEMU host)
     */
    HostSampler sampler(VmIdScheme scheme, String vmIdPrefix, SamplerClock clock) {
        return HostSampler.create(roots(), HostPlatform.AUTO, scheme, HostSampler.defaultHostId(roots()), vmIdPrefix,
                Duration.ofSeconds(10), clock);
    }

    /** A round's samples by VM id. */
    static Map<String, HostLoadSample> byVm(SamplingRound round) {
        return round.samples().stream().collect(Collectors.toMap(HostLoadSample::getVmId, Function.identity()));
    }

    /** Lays the second reading over the copy. */
    void advanceToRound2() {
        copyTree(resource(name + "/round2"), root);
    }

    Path file(String relative) {
        return root.resolve(relative);
    }

    void write(String relative, String text) {
        try {
            Files.createDirectories(file(relative).getParent());
            Files.writeString(file(relative), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void delete(String relative) {
        try (Stream<Path> tree = Files.walk(file(relative))) {
            tree.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path resource(String path) {
        URL url = FixtureHost.class.getResource("/hostfixtures/" + path);
        if (url == null) {
            throw new IllegalArgumentException("no fixture hostfixtures/" + path + " on the test class path");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void copyTree(Path from, Path to) {
        try (Stream<Path> tree = Files.walk(from)) {
            for (Path source : (Iterable<Path>) tree::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
