package dev.panicwatch.notify;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.streams.config.InvalidSettingException;

class NotifierStartTest {

    @Test
    void aMetricsPortInUseStopsStartUpNamingTheSetting() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            NotifierConfig config = NotifierConfig.parse("n.yml", "metrics: {bind: 127.0.0.1, port: "
                    + taken.getLocalPort() + "}\ntargets: [{name: a, type: slack, url: 'http://127.0.0.1:9/x'}]",
                    Map.of());
            // Nothing of Kafka is touched: the port is checked first.
            assertThatThrownBy(() -> Notifier.start(config, KafkaConnection.of("127.0.0.1:9", "http://127.0.0.1:9")))
                    .isInstanceOf(InvalidSettingException.class)
                    .hasMessageStartingWith("metrics: cannot listen on 127.0.0.1:" + taken.getLocalPort())
                    .hasMessageEndingWith("set another metrics.port in the file");
        }
    }
}
