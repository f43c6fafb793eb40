package dev.panicwatch.cli;

import java.nio.file.Path;

/** Where collectors keep their ledger of published reports unless told otherwise. */
final class CollectorStateDirs {

    /** Root folder of every collector's state (the ledgers). */
    static final String ENV = "PANICWATCH_STATE_DIR";

    private CollectorStateDirs() {
    }

    /** {@code $PANICWATCH_STATE_DIR/<name>}, else {@code ~/.panicwatch/state/<name>}; name made file-safe. */
    static Path defaultFor(String name) {
        String root = System.getenv(ENV);
        Path base = root != null && !root.isBlank() ? Path.of(root)
                : Path.of(System.getProperty("user.home"), ".panicwatch", "state");
        return base.resolve(name.replaceAll("[^A-Za-z0-9._-]", "_"));
    }
}
