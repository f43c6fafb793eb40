package dev.panicwatch.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import dev.panicwatch.ingest.guest.GuestStateIntake;
import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.panic.PanicReportPublisher;
import dev.panicwatch.ingest.panic.PublishedLedger;
import dev.panicwatch.ingest.panic.http.PanicReportIntake;
import dev.panicwatch.ingest.panic.http.PanicReportReceiver;
import dev.panicwatch.ingest.panic.http.TopicWatch;
import dev.panicwatch.ingest.publish.IdempotentPublisher;
import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.tls.ServerIdentity;
import dev.panicwatch.tls.TlsFiles;

@Command(name = "http", mixinStandardHelpOptions = true,
        description = {"Receive panic reports over HTTP (POST /v1/panic-reports, bearer token) and publish each once "
                + "to 'panic-reports'; guest states (POST /v1/guest-state, JSON, schema on GET "
                + "/v1/guest-state/schema) go to 'guest-state', as do the boot-args a report carries.",
                "Answers 202 only after Kafka acknowledged; 503 with Retry-After while Kafka is unreachable. "
                        + "Runs until Ctrl-C.",
                "With --tls-cert and --tls-key it speaks HTTPS only (TLS 1.2+) and reloads the files when they "
                        + "change (certbot renew); without them, plain HTTP with a warning (docs/tls.md)."})
final class IngestHttpCommand implements Callable<Integer> {

    static final String TOKEN_ENV = "PANICWATCH_INGEST_TOKEN";
    static final String TLS_CERT_ENV = "PANICWATCH_INGEST_TLS_CERT";
    static final String TLS_KEY_ENV = "PANICWATCH_INGEST_TLS_KEY";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    KafkaConnectionOptions kafka;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "" + PanicReportReceiver.DEFAULT_PORT,
            description = "Port to listen on (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "0.0.0.0",
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Bearer token senders must present (default: $" + TOKEN_ENV + "; one of them is required).")
    String token;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "PEM certificate chain, e.g. certbot's fullchain.pem (default: $" + TLS_CERT_ENV + ").")
    String tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE",
            description = "Its PEM private key, e.g. certbot's privkey.pem (default: $" + TLS_KEY_ENV + ").")
    String tlsKey;

    @Option(names = "--max-body-bytes", paramLabel = "BYTES", defaultValue = "1048576",
            description = "Larger reports get 413 (default: ${DEFAULT-VALUE}).")
    int maxBodyBytes;

    @Option(names = "--ack-timeout-seconds", paramLabel = "S", defaultValue = "20",
            description = "How long to wait for Kafka's acknowledgement before answering 503 (default: ${DEFAULT-VALUE}).")
    int ackTimeoutSeconds;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where the ledger of published reports is kept (default: $PANICWATCH_STATE_DIR/http or "
                    + "~/.panicwatch/state/http).")
    Path stateDir;

    @Override
    public Integer call() throws Exception {
        String bearer = token != null ? token : System.getenv(TOKEN_ENV);
        KafkaConnection connection;
        Optional<TlsFiles> tls;
        try {
            tls = TlsFiles.of("--tls-cert (or " + TLS_CERT_ENV + ")", tlsCert != null ? tlsCert : System.getenv(TLS_CERT_ENV),
                    "--tls-key (or " + TLS_KEY_ENV + ")", tlsKey != null ? tlsKey : System.getenv(TLS_KEY_ENV));
            // Checked before anything starts: an unusable certificate is a configuration error, not a crash later.
            tls.ifPresent(ServerIdentity::read);
            if (bearer == null || bearer.isBlank()) {
                throw new IllegalArgumentException("no bearer token: pass --token or set " + TOKEN_ENV
                        + "; the receiver does not run without authentication");
            }
            connection = kafka.connection();
            if (port < 0 || port > 65535 || ackTimeoutSeconds < 1) {
                throw new IllegalArgumentException("--port must be 0..65535 and --ack-timeout-seconds >= 1");
            }
        } catch (IllegalArgumentException | ServerIdentity.InvalidIdentityException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Duration ackTimeout = Duration.ofSeconds(ackTimeoutSeconds);
        Path state = stateDir != null ? stateDir : CollectorStateDirs.defaultFor("http");
        // The producer gives up a little before the receiver stops waiting, so the 503 carries Kafka's reason.
        GracefulStop[] stop = new GracefulStop[1];
        try (PublishedLedger ledger = PublishedLedger.open(state);
             IdempotentPublisher producer = IdempotentPublisher.create(connection, ackTimeout.minusMillis(500));
             TopicWatch topicWatch = TopicWatch.start(connection, Topics.PANIC_REPORTS, Duration.ofSeconds(10));
             TopicWatch guestStateWatch = TopicWatch.start(connection, Topics.GUEST_STATE, Duration.ofSeconds(10))) {
            PanicReportIntake intake;
            GuestStateIntake guestStates;
            try {
                intake = new PanicReportIntake(bearer, maxBodyBytes, ackTimeout, new PanicReportFactory(),
                        new PanicReportPublisher(producer, ledger), Clock.systemUTC());
                intake.refuseWhile(topicWatch::missingReason);
                intake.observeBootArgs(producer);
                guestStates = new GuestStateIntake(bearer, ackTimeout, producer, Clock.systemUTC());
                guestStates.refuseWhile(guestStateWatch::missingReason);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            CountDownLatch stopped = new CountDownLatch(1);
            try (PanicReportReceiver receiver = PanicReportReceiver.start(bind, port, intake, guestStates, tls,
                    dev.panicwatch.tls.HttpsListener.DEFAULT_CHECK_INTERVAL)) {
                // On Ctrl-C the receiver stops taking requests first, then the producer and ledger close.
                stop[0] = new GracefulStop(stopped::countDown);
                System.err.println("Receiving panic reports on " + receiver.scheme() + "://" + bind + ":" + receiver.port()
                        + PanicReportReceiver.PATH + " and guest states on " + GuestStateIntake.PATH + " (ledger in "
                        + state + "); press Ctrl-C to stop.");
                stopped.await();
            }
        } finally {
            if (stop[0] != null) {
                stop[0].finished();
            }
        }
        return 0;
    }
}
