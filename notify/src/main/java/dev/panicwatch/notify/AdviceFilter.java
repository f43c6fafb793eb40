package dev.panicwatch.notify;

import java.util.List;
import java.util.Set;

import dev.panicwatch.schemas.RemediationAction;
import dev.panicwatch.schemas.RemediationEvent;

/**
 * Which advice one target wants. Empty lists let everything through; {@code hosts} and {@code actions} match when the
 * event's host is listed / when it carries any listed action.
 *
 * <p>Preventive advice is advice for a VM that has not panicked itself: the peer warning's RAISE_VTI_PREVENTIVE
 * events (docs/design.md#preventive-advice) carry no triggering report of their own; the peer's is in the rationale.
 */
record AdviceFilter(Set<String> hosts, Set<RemediationAction> actions, Preventive preventive) {

    enum Preventive {
        /** Both kinds. */
        ANY,
        /** Only advice for VMs that did not panic themselves. */
        ONLY,
        /** Only advice answering a VM's own panic. */
        EXCLUDE
    }

    static final AdviceFilter ALL = new AdviceFilter(Set.of(), Set.of(), Preventive.ANY);

    boolean accepts(RemediationEvent event) {
        if (!hosts.isEmpty() && (event.getHostId() == null || !hosts.contains(event.getHostId()))) {
            return false;
        }
        if (!actions.isEmpty() && event.getActions().stream().noneMatch(actions::contains)) {
            return false;
        }
        boolean preventiveEvent = isPreventive(event);
        return switch (preventive) {
            case ANY -> true;
            case ONLY -> preventiveEvent;
            case EXCLUDE -> !preventiveEvent;
        };
    }

    static boolean isPreventive(RemediationEvent event) {
        return event.getTriggeringReportIds().isEmpty();
    }

    String describe() {
        List<String> parts = new java.util.ArrayList<>();
        if (!hosts.isEmpty()) {
            parts.add("hosts " + new java.util.TreeSet<>(hosts));
        }
        if (!actions.isEmpty()) {
            parts.add("actions " + new java.util.TreeSet<>(actions));
        }
        if (preventive != Preventive.ANY) {
            parts.add("preventive " + preventive.name().toLowerCase(java.util.Locale.ROOT));
        }
        return String.join(", ", parts);
    }

    static AdviceFilter read(ConfigNode node) {
        List<String> hosts = node.strings("hosts");
        List<RemediationAction> actions = node.choices("actions", RemediationAction.class);
        Preventive preventive = node.choice("preventive", Preventive.class).orElse(Preventive.ANY);
        node.refuseUnknownKeys();
        return new AdviceFilter(Set.copyOf(hosts), Set.copyOf(actions), preventive);
    }
}
