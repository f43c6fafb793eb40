package dev.panicwatch.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.panicwatch.schemas.RemediationAction;
import dev.panicwatch.streams.config.InvalidSettingException;

class NotifierConfigTest {

    private static final String FULL = """
            groupId: ops-notify
            startFrom: earliest
            dashboardUrl: http://grafana.example/d/panicwatch?var-vm={vm}
            metrics: {bind: 127.0.0.1, port: 0}
            retry: {attempts: 3, initialBackoff: PT2S, maxBackoff: PT1M, requestTimeout: PT5S}
            targets:
              - name: hook
                type: webhook
                url: https://hooks.example/panicwatch
                tokenEnv: HOOK_TOKEN
              - name: chat
                type: slack
                url: https://chat.example/hooks/abc
                filter: {hosts: [pve1, pve3], actions: [raise-vti], preventive: exclude}
                template: {title: "vti for {vm}", body: "set {bootArgs}"}
              - name: phone
                type: gotify
                url: https://gotify.example/
                token: app-token
                retry: {attempts: 10}
              - name: mail
                type: smtp
                smtp: {host: mail.example, security: starttls, username: pw, passwordEnv: SMTP_PASSWORD,
                       from: panicwatch@example.org, to: [ops@example.org, oncall@example.org]}
            """;

    private static final Map<String, String> ENV = Map.of("HOOK_TOKEN", "secret-1", "SMTP_PASSWORD", "secret-2");

    @Test
    void readsEveryKeyOfAFullFile() {
        NotifierConfig config = NotifierConfig.parse("notify.yml", FULL, ENV);
        assertThat(config.groupId()).isEqualTo("ops-notify");
        assertThat(config.startFrom()).isEqualTo(NotifierConfig.StartFrom.EARLIEST);
        assertThat(config.metricsBind()).isEqualTo("127.0.0.1");
        assertThat(config.metricsPort()).isZero();
        assertThat(config.targets()).extracting(TargetSettings::name).containsExactly("hook", "chat", "phone", "mail");

        TargetSettings hook = config.targets().get(0);
        assertThat(hook.kind()).isEqualTo(TargetKind.WEBHOOK);
        assertThat(hook.secret()).contains("secret-1");
        assertThat(hook.retry()).isEqualTo(new RetryPolicy(3, Duration.ofSeconds(2), Duration.ofMinutes(1),
                Duration.ofSeconds(5)));
        assertThat(hook.filter()).isEqualTo(AdviceFilter.ALL);
        assertThat(hook.template()).isEqualTo(MessageTemplate.DEFAULT);

        TargetSettings chat = config.targets().get(1);
        assertThat(chat.filter()).isEqualTo(new AdviceFilter(Set.of("pve1", "pve3"),
                Set.of(RemediationAction.RAISE_VTI), AdviceFilter.Preventive.EXCLUDE));
        assertThat(chat.template()).isEqualTo(new MessageTemplate("vti for {vm}", "set {bootArgs}"));

        // A target's own retry section overrides only what it names.
        assertThat(config.targets().get(2).retry().attempts()).isEqualTo(10);
        assertThat(config.targets().get(2).retry().initialBackoff()).isEqualTo(Duration.ofSeconds(2));

        TargetSettings.MailSettings mail = config.targets().get(3).mail().orElseThrow();
        assertThat(mail.port()).as("STARTTLS's submission port by default").isEqualTo(587);
        assertThat(mail.password()).contains("secret-2");
        assertThat(mail.to()).containsExactly("ops@example.org", "oncall@example.org");
    }

    @Test
    void theDefaultsNeedOnlyOneTarget() {
        NotifierConfig config = NotifierConfig.parse("n.yml", "targets: [{name: a, type: ntfy, url: http://ntfy/t}]",
                Map.of());
        assertThat(config.groupId()).isEqualTo("panicwatch-notify");
        assertThat(config.startFrom()).isEqualTo(NotifierConfig.StartFrom.LATEST);
        assertThat(config.metricsPort()).isEqualTo(9465);
        assertThat(config.maxInFlight()).isEqualTo(1000);
        assertThat(config.targets().get(0).retry()).isEqualTo(RetryPolicy.DEFAULT);
    }

    @Test
    void everyMistakeNamesItsKey() {
        assertError("targets: [{name: a, type: ntfy, url: http://n/t, filtr: {}}]",
                "n.yml: targets[0].filtr: unknown key");
        assertError("targets: [{name: a, type: pager, url: http://n/t}]",
                "n.yml: targets[0].type: expected one of webhook, slack, ntfy, gotify, smtp, got 'pager'");
        assertError("targets: [{name: a, type: slack}]", "n.yml: targets[0].url: is required");
        assertError("targets: [{name: a, type: slack, url: 'ftp://x/y'}]",
                "n.yml: targets[0].url: expected an http:// or https:// URL");
        assertError("targets: [{name: a, type: gotify, url: http://g/}]", "n.yml: targets[0].token: is required");
        assertError("targets: [{name: a, type: webhook, url: http://w/, tokenEnv: NOPE}]",
                "n.yml: targets[0].tokenEnv: names NOPE, which is not set");
        assertError("targets: [{name: a, type: webhook, url: http://w/, template: {body: 'set {bootArg}'}}]",
                "n.yml: targets[0].template.body: unknown placeholder {bootArg}");
        assertError("targets: [{name: a, type: webhook, url: http://w/, filter: {actions: [REBOOT]}}]",
                "n.yml: targets[0].filter.actions[0]: expected one of raise_vti");
        assertError("retry: {attempts: many}\ntargets: [{name: a, type: slack, url: http://s/}]",
                "n.yml: retry.attempts: expected a whole number, got 'many'");
        assertError("retry: {initialBackoff: 5s}\ntargets: [{name: a, type: slack, url: http://s/}]",
                "n.yml: retry.initialBackoff: expected an ISO-8601 duration");
        assertError("targets: [{name: a, type: smtp, smtp: {host: m, from: x@y, to: [not-an-address]}}]",
                "n.yml: targets[0].smtp.to: expected a mail address");
        assertError("targets: [{name: a, type: slack, url: http://s/}, {name: a, type: slack, url: http://t/}]",
                "n.yml: targets[1].name: 'a' is used by an earlier target");
        assertError("groupId: x", "n.yml: targets: is required");
        assertError("targets: [name: a", "n.yml: not valid YAML at line 1");
        assertError("", "n.yml: expected a mapping with at least 'targets:', got an empty file");
    }

    private static void assertError(String yaml, String start) {
        assertThatThrownBy(() -> NotifierConfig.parse("n.yml", yaml, Map.of()))
                .isInstanceOf(InvalidSettingException.class).message().startsWith(start);
    }
}
