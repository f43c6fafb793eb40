package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamsCommandTest {

    @Test
    void badSettingInTheConfigFileStopsWithItsNameAndExitCode2(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("streams.properties");
        Files.writeString(config, "panicwatch.look.back=ten minutes\nbootstrap.servers=127.0.0.1:1\n");
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Panicwatch.commandLine().execute("streams", "--config", config.toString());
        } finally {
            System.setErr(original);
        }
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("property panicwatch.look.back = 'ten minutes' is malformed")
                .contains("ISO-8601");
    }

    @Test
    void missingConfigFileIsNamed(@TempDir Path dir) {
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Panicwatch.commandLine().execute("streams", "--config", dir.resolve("absent.properties").toString());
        } finally {
            System.setErr(original);
        }
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("absent.properties does not exist");
    }

    @Test
    void requireApiTokenRefusesToStartWithoutOneAndNamesTheVariable() {
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit;
        try {
            // A blank token is no token (compose passes ${PANICWATCH_API_TOKEN:-}, empty when unset); nothing is
            // started, so the unreachable bootstrap address is never dialled.
            exit = Panicwatch.commandLine().execute("streams", "--require-api-token", "--api-token", " ");
        } finally {
            System.setErr(original);
        }
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no API token").contains("PANICWATCH_API_TOKEN");
    }
}
