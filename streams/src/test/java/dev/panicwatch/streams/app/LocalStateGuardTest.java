package dev.panicwatch.streams.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The marker's three cases on a real folder. The kill -9 itself (the OS dropping the lock, the marker left behind) is
 * exercised with child processes by the reliability suite's RestartWithHistoryIT and KillLoopIT.
 */
class LocalStateGuardTest {

    @TempDir
    Path stateDir;

    @Test
    void aCleanStopLeavesTheLocalStateForTheNextStart() throws Exception {
        Path store = storeFile("app");

        LocalStateGuard.acquire(stateDir, "app").stoppedCleanly();
        LocalStateGuard next = LocalStateGuard.acquire(stateDir, "app");

        assertThat(store).exists();
        assertThat(stateDir.resolve("app.running")).exists();
        next.stoppedCleanly();
        assertThat(stateDir.resolve("app.running")).doesNotExist();
    }

    @Test
    void aRunThatDidNotStopCleanlyHasItsLocalStateDeletedAtTheNextStart() throws Exception {
        Path store = storeFile("app");
        Path otherApp = storeFile("other-app");

        LocalStateGuard.acquire(stateDir, "app").close(); // as a kill -9 would: lock gone, marker left
        assertThat(Files.readString(stateDir.resolve("app.running"))).startsWith("pid ");
        LocalStateGuard next = LocalStateGuard.acquire(stateDir, "app");

        assertThat(store).doesNotExist();
        assertThat(stateDir.resolve("app")).doesNotExist();
        assertThat(otherApp).as("another application's state is not touched").exists();
        next.close();
    }

    @Test
    void aFirstStartOnAnEmptyFolderWipesNothing() throws Exception {
        LocalStateGuard guard = LocalStateGuard.acquire(stateDir, "app");
        Path store = storeFile("app"); // what Kafka Streams writes while this run holds the marker

        guard.stoppedCleanly();
        LocalStateGuard.acquire(stateDir, "app").close();

        assertThat(store).exists();
    }

    @Test
    void aSecondRunOnTheSameStateFolderIsRefusedWithTheFolderNamed() {
        LocalStateGuard first = LocalStateGuard.acquire(stateDir, "app");
        try {
            assertThatThrownBy(() -> LocalStateGuard.acquire(stateDir, "app"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(stateDir.resolve("app").toString())
                    .hasMessageContaining("KAFKA_STATE_DIR");
        } finally {
            first.stoppedCleanly();
        }
    }

    private Path storeFile(String applicationId) throws Exception {
        Path file = stateDir.resolve(applicationId).resolve("0_0").resolve("rocksdb").resolve("store").resolve("CURRENT");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "MANIFEST-000001\n");
        return file;
    }
}
