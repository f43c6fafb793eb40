package dev.panicwatch.tls;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.javalin.community.ssl.SslConfig;
import io.javalin.community.ssl.SslPlugin;
import io.javalin.community.ssl.TlsConfig;
import io.javalin.config.JavalinConfig;

/**
 * HTTPS for one Javalin server through Javalin's own SSL plugin (Jetty's TLS underneath): TLS 1.2 and 1.3 only
 * (Mozilla's "intermediate" profile), no plain HTTP connector next to it, and the certificate reloaded in place when
 * its files change. {@code certbot renew} and most CAs' tooling replace the files while the server runs, so the
 * files are checked every few seconds; a changed pair that is not usable (a key that does not match, a file
 * half-written) is logged and the previous certificate stays in use until the files change again.
 */
public final class HttpsListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpsListener.class);
    /** How often the files are looked at: a renewal is picked up within this, and a check costs two small reads. */
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(10);

    private final String server;
    private final TlsFiles files;
    private final SslPlugin plugin;
    private final Duration checkInterval;
    private final Clock clock = Clock.systemUTC();
    private volatile ServerIdentity identity;
    private volatile String lastSeenFingerprint;
    private final java.util.concurrent.atomic.AtomicInteger refusedChanges = new java.util.concurrent.atomic.AtomicInteger();
    private ScheduledExecutorService watcher;

    private HttpsListener(String server, TlsFiles files, ServerIdentity identity, SslPlugin plugin,
                          Duration checkInterval) {
        this.server = server;
        this.files = files;
        this.identity = identity;
        this.lastSeenFingerprint = identity.fingerprint();
        this.plugin = plugin;
        this.checkInterval = checkInterval;
    }

    /**
     * Reads and checks the certificate now (a bad file stops start-up with its reason) and makes {@code config}
     * listen with HTTPS only.
     *
     * @param server        what is served, for the log (e.g. "panic report receiver")
     * @param host          address to listen on; null or {@code 0.0.0.0} for all
     * @param port          port to listen on; 0 picks a free one
     * @param checkInterval how often the files are checked for a renewal
     * @throws ServerIdentity.InvalidIdentityException naming the file and the problem
     */
    public static HttpsListener configure(JavalinConfig config, String server, String host, int port, TlsFiles files,
                                          Duration checkInterval) {
        ServerIdentity identity = ServerIdentity.read(files);
        SslPlugin plugin = new SslPlugin(ssl -> {
            ssl.insecure = false;
            ssl.secure = true;
            ssl.host = host == null || host.equals("0.0.0.0") ? null : host;
            ssl.securePort = port;
            // No redirect from a plain port: there is none, and a redirect would only teach clients to send the
            // token in clear first.
            ssl.redirect = false;
            // HTTP/1.1 only: the guest agent's curl and the JDK client both speak it, and the receiver's bounded
            // body reading is written against it.
            ssl.http2 = false;
            // The certificate names the public host name, not whatever Host header a client sends (curl --resolve,
            // a load balancer's health check by IP).
            ssl.sniHostCheck = false;
            ssl.tlsConfig = TlsConfig.INTERMEDIATE;
            load(ssl, identity);
        });
        config.registerPlugin(plugin);
        HttpsListener listener = new HttpsListener(server, files, identity, plugin, checkInterval);
        LOG.info("{}: TLS with {} ({}, key {})", server, identity.describe(listener.clock), files.certificate(),
                files.privateKey());
        listener.warnIfExpired(identity);
        return listener;
    }

    /** Starts watching the files; call once the server is listening. */
    public synchronized void startWatching() {
        if (watcher != null) {
            return;
        }
        watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "panicwatch-tls-reload");
            thread.setDaemon(true);
            return thread;
        });
        watcher.scheduleWithFixedDelay(this::checkFiles, checkInterval.toMillis(), checkInterval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** How many changes of the files were refused (not loaded) so far. */
    int refusedChanges() {
        return refusedChanges.get();
    }

    /** The certificate served now. */
    public ServerIdentity identity() {
        return identity;
    }

    private void checkFiles() {
        String fingerprint;
        try {
            fingerprint = ServerIdentity.fingerprint(files);
        } catch (IOException | RuntimeException e) {
            if (lastSeenFingerprint != null) {
                LOG.warn("{}: cannot read the TLS files ({}); still serving the previous certificate", server,
                        e.toString());
            }
            // Warn once per change, not every few seconds while a file is missing.
            lastSeenFingerprint = null;
            return;
        }
        if (fingerprint.equals(lastSeenFingerprint)) {
            return;
        }
        lastSeenFingerprint = fingerprint;
        if (fingerprint.equals(identity.fingerprint())) {
            return;
        }
        ServerIdentity renewed;
        try {
            renewed = ServerIdentity.read(files);
        } catch (ServerIdentity.InvalidIdentityException e) {
            LOG.warn("{}: the TLS files changed but cannot be used, still serving the previous certificate: {}",
                    server, e.getMessage());
            refusedChanges.incrementAndGet();
            return;
        }
        try {
            plugin.reload(ssl -> load(ssl, renewed));
        } catch (RuntimeException e) {
            LOG.warn("{}: reloading the TLS certificate failed, still serving the previous one: {}", server,
                    e.toString());
            return;
        }
        identity = renewed;
        LOG.info("{}: TLS certificate reloaded from {}: {}", server, files.certificate(), renewed.describe(clock));
        warnIfExpired(renewed);
    }

    private void warnIfExpired(ServerIdentity served) {
        if (clock.instant().isAfter(served.leaf().getNotAfter().toInstant())) {
            LOG.warn("{}: the TLS certificate in {} expired on {}; clients that check it (the guest agent, the CLI) "
                    + "will refuse to connect until it is renewed", server, files.certificate(),
                    served.leaf().getNotAfter().toInstant());
        }
    }

    private static void load(SslConfig ssl, ServerIdentity identity) {
        ssl.pemFromString(identity.certificatePem(), identity.privateKeyPem());
    }

    /**
     * The one warning a server logs when it runs without TLS although it takes a bearer token.
     *
     * @param server   what is served
     * @param tlsFlags how to turn TLS on, e.g. "--tls-cert/--tls-key or PANICWATCH_INGEST_TLS_CERT/_KEY"
     */
    public static void warnPlainHttp(Logger log, String server, String tlsFlags) {
        log.warn("{} serves plain HTTP although it requires a bearer token: the token and everything sent cross the "
                + "network in clear. Give it a certificate with {} (see docs/tls.md).", server, tlsFlags);
    }

    @Override
    public synchronized void close() {
        if (watcher != null) {
            watcher.shutdownNow();
            watcher = null;
        }
    }
}
