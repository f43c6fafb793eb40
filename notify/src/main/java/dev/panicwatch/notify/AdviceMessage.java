package dev.panicwatch.notify;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

import dev.panicwatch.schemas.RemediationAction;
import dev.panicwatch.schemas.RemediationEvent;

/**
 * One advice as the words a message is made of: the template values (VM, host, what panicked, the boot-args, the
 * host-side fix, the dashboard link) and the event itself for targets that send it whole.
 */
record AdviceMessage(RemediationEvent event, Map<String, String> values) {

    /** Every placeholder a template may use, with what it stands for (for --help and the docs). */
    static final Map<String, String> PLACEHOLDERS = placeholders();

    static AdviceMessage of(RemediationEvent e, String dashboardUrl) {
        Map<String, String> v = new LinkedHashMap<>();
        String host = e.getHostId() == null ? "unknown host" : e.getHostId();
        v.put("vm", e.getVmId());
        v.put("host", host);
        v.put("class", e.getPanicClass().name());
        v.put("panics", Integer.toString(e.getPanicsInWindow()));
        v.put("actions", e.getActions().stream().map(Enum::name).collect(Collectors.joining(", ")));
        v.put("bootArgs", e.getSuggestedBootArgs() == null ? "no change (raising vti would not help here)"
                : e.getSuggestedBootArgs());
        v.put("vti", e.getSuggestedVti() == null ? "unchanged" : e.getSuggestedVti().toString());
        v.put("currentVti", Integer.toString(e.getCurrentVti()));
        v.put("hostFix", hostFix(e, host));
        v.put("rationale", e.getRationale());
        v.put("time", e.getCreatedTime().toString());
        v.put("remediationId", e.getRemediationId());
        v.put("dashboard", dashboardUrl.replace("{vm}", encode(e.getVmId())).replace("{host}", encode(host)));
        return new AdviceMessage(e, Map.copyOf(v));
    }

    String value(String placeholder) {
        return values.get(placeholder);
    }

    private static String hostFix(RemediationEvent e, String host) {
        if (e.getActions().contains(RemediationAction.REDUCE_HOST_LOAD)) {
            return "host " + host + " is overloaded: give the VM fewer vCPUs than the host has idle cores "
                    + "(qm set VMID --cores N), a higher CPU weight than the batch VMs (--cpuunits 2048), pin it "
                    + "away from the noisy ones (--affinity), or migrate VMs off the host";
        }
        if (e.getActions().contains(RemediationAction.INVESTIGATE)) {
            return "none advised yet: host load does not explain this panic; compare the report with the load "
                    + "figures on the dashboard";
        }
        return "none";
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static Map<String, String> placeholders() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("vm", "the VM id (pve1/101)");
        p.put("host", "the host it ran on");
        p.put("class", "what panicked (TLB_FLUSH_TIMEOUT, ...)");
        p.put("panics", "timeout panics of the VM in the cooldown window");
        p.put("actions", "what to do (RAISE_VTI, DISABLE_TLB_TIMEOUT, REDUCE_HOST_LOAD, INVESTIGATE)");
        p.put("bootArgs", "the complete boot-args to set");
        p.put("vti", "the suggested vti");
        p.put("currentVti", "the vti in force at the panic");
        p.put("hostFix", "the host-side fix in words");
        p.put("rationale", "the pipeline's paragraph: what happened, why, what to change");
        p.put("time", "when the advice was decided (ISO-8601, UTC)");
        p.put("remediationId", "the advice's stable id");
        p.put("dashboard", "the dashboard link (dashboardUrl with {vm} and {host} filled in)");
        return Map.copyOf(p);
    }
}
