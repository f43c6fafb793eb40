package dev.panicwatch.cli;

import java.util.HashSet;
import java.util.Set;

import dev.panicwatch.localstack.LocalStack;
import dev.panicwatch.streams.config.QueryApiSettings;
import dev.panicwatch.tls.ClientTrust;

/**
 * The {@code PANICWATCH_*} variables that are not pipeline settings, gathered from the modules that read them. An
 * operator's shell or a compose file may set any of them next to the streams app's, so the app must not refuse them
 * as unknown; the cli assembles the process, so it is the one place that knows them all.
 */
final class PanicwatchVariables {

    /** Read by the cli itself or by what runs it. */
    private static final Set<String> CLI = Set.of(
            IngestHttpCommand.TOKEN_ENV, IngestHttpCommand.TLS_CERT_ENV, IngestHttpCommand.TLS_KEY_ENV,
            CollectorStateDirs.ENV,
            QueryCommand.API_URL_ENV,
            "PANICWATCH_LOG_LEVEL",                          // logback.xml
            "PANICWATCH_SKIP_BUILD", "PANICWATCH_JAVA_OPTS", // the ./panicwatch launcher
            "PANICWATCH_HOST_SAMPLER_ARGS",                  // deploy/systemd/panicwatch-host-sampler.service
            "PANICWATCH_EXTERNAL_HOST");                     // docker-compose.yml

    /** Every {@code PANICWATCH_*} name that is not a pipeline setting. */
    static final Set<String> NOT_PIPELINE_SETTINGS = union();

    private PanicwatchVariables() {
    }

    private static Set<String> union() {
        Set<String> all = new HashSet<>(CLI);
        all.addAll(QueryApiSettings.ENVIRONMENT_NAMES);
        all.addAll(ClientTrust.ENVIRONMENT_NAMES);
        all.addAll(LocalStack.ENVIRONMENT_NAMES);
        return Set.copyOf(all);
    }
}
