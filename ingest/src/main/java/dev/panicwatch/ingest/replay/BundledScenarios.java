package dev.panicwatch.ingest.replay;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Scenarios shipped inside the ingest jar (under {@code scenarios/<name>/}). Replay reads plain folders, so a
 * bundled scenario is first copied out to one.
 */
public final class BundledScenarios {

    /** The seed story: overloaded Proxmox host pve1 with macOS CI VMs, and a quiet host pve2 for contrast. */
    public static final String SEED = "seed";

    /**
     * The closed loop after the seed: on overloaded hosts pve3 and pve4, advice applied and effective, advice applied
     * and still a panic (escalated, then not applied), and a peer warned before it panics.
     */
    public static final String LOOP = "loop";

    private BundledScenarios() {
    }

    /** Copies scenario {@code name} into {@code target} (created if missing) and returns {@code target}. */
    public static Path extract(String name, Path target) throws IOException {
        String root = "scenarios/" + name;
        URL url = BundledScenarios.class.getClassLoader().getResource(root + "/" + ScenarioReader.EVENTS_FILE);
        if (url == null) {
            throw new IOException("no bundled scenario '" + name + "'");
        }
        try {
            if (url.getProtocol().equals("jar")) {
                try (FileSystem jar = FileSystems.newFileSystem(url.toURI(), Map.of())) {
                    copyTree(jar.getPath("/" + root), target);
                }
            } else {
                copyTree(Path.of(url.toURI()).getParent(), target);
            }
        } catch (URISyntaxException e) {
            throw new IOException("cannot locate bundled scenario '" + name + "': " + e.getMessage(), e);
        }
        return target;
    }

    /** Copies the seed scenario to a new temporary folder. */
    public static Path extractSeed() throws IOException {
        return extract(SEED, Files.createTempDirectory("panicwatch-scenario-"));
    }

    private static void copyTree(Path source, Path target) throws IOException {
        List<Path> entries;
        try (Stream<Path> walk = Files.walk(source)) {
            entries = walk.toList();
        }
        for (Path entry : entries) {
            Path to = target.resolve(source.relativize(entry).toString());
            if (Files.isDirectory(entry)) {
                Files.createDirectories(to);
            } else {
                Files.createDirectories(to.getParent());
                try (InputStream in = Files.newInputStream(entry)) {
                    Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
