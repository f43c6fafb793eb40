package dev.panicwatch.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.panicwatch.schemas.RemediationAction;

class AdviceMessageTest {

    @Test
    void theDefaultMessageSaysWhatPanickedWhatToSetAndWhereToLook() {
        AdviceMessage message = AdviceMessage.of(Advice.raiseVti("pve1/101", "pve1"),
                "http://grafana/d/pw?var-vm={vm}");
        assertThat(MessageTemplate.DEFAULT.title(message)).isEqualTo("Panicwatch: TLB_FLUSH_TIMEOUT on VM pve1/101 (host pve1)");
        String body = MessageTemplate.DEFAULT.body(message);
        assertThat(body).startsWith("VM pve1/101 on host pve1: TLB_FLUSH_TIMEOUT, 1 timeout panic(s) in the cooldown");
        assertThat(body).contains("Do:            RAISE_VTI, DISABLE_TLB_TIMEOUT, REDUCE_HOST_LOAD\n");
        assertThat(body).contains("Boot-args:     keepsyms=1 tlbto_us=0 vti=9\n");
        assertThat(body).contains("Host-side fix: host pve1 is overloaded: give the VM fewer vCPUs");
        // The VM id is a query value: its slash is encoded.
        assertThat(body).endsWith("Dashboard:     http://grafana/d/pw?var-vm=pve1%2F101");
        assertThat(MessageTemplate.DEFAULT.title(message) + body).as("new text is ASCII")
                .matches("[\\x00-\\x7f]*");
    }

    @Test
    void investigateAdviceHasNoBootArgsToSet() {
        AdviceMessage message = AdviceMessage.of(Advice.investigate("pve2/201", "pve2"), "http://x/");
        assertThat(message.value("bootArgs")).isEqualTo("no change (raising vti would not help here)");
        assertThat(message.value("hostFix")).startsWith("none advised yet");
    }

    @Test
    void filtersByHostActionAndPreventive() {
        var event = Advice.raiseVti("pve1/101", "pve1");
        assertThat(AdviceFilter.ALL.accepts(event)).isTrue();
        assertThat(new AdviceFilter(Set.of("pve2"), Set.of(), AdviceFilter.Preventive.ANY).accepts(event)).isFalse();
        assertThat(new AdviceFilter(Set.of(), Set.of(RemediationAction.INVESTIGATE), AdviceFilter.Preventive.ANY)
                .accepts(event)).isFalse();
        assertThat(new AdviceFilter(Set.of("pve1"), Set.of(RemediationAction.REDUCE_HOST_LOAD),
                AdviceFilter.Preventive.EXCLUDE).accepts(event)).isTrue();
        assertThat(new AdviceFilter(Set.of(), Set.of(), AdviceFilter.Preventive.ONLY).accepts(event))
                .as("it answers the VM's own panic").isFalse();
        event.setTriggeringReportIds(List.of());
        assertThat(new AdviceFilter(Set.of(), Set.of(), AdviceFilter.Preventive.ONLY).accepts(event)).isTrue();
    }
}
