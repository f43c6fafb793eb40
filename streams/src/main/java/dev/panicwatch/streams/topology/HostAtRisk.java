package dev.panicwatch.streams.topology;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * docs/design.md#preventive-advice, as the query side shows it: for one host, each guest advised to raise its vti
 * there (the latest such advice per guest) and what that advice meant for the host's other guests: the ones warned
 * with RAISE_VTI_PREVENTIVE and the ones named "unknown vti" for lack of a guest state. Written by the peer warning
 * at each such advice (rare: one per panic that needs it, not per sample), kept in {@link StoreNames#AT_RISK_PER_HOST}.
 *
 * @param hostId the host
 * @param advice one entry per advised guest, ordered by its vmId
 */
public record HostAtRisk(String hostId, List<Advice> advice) {

    public HostAtRisk {
        advice = List.copyOf(advice);
    }

    /**
     * One advice to raise a guest's vti on this host.
     *
     * @param vmId          the advised guest (the one that panicked)
     * @param remediationId its remediation
     * @param advisedTime   the advice's event time (the panic's, ISO-8601)
     * @param suggestedVti  the vti it was advised
     * @param warned        the peers warned with RAISE_VTI_PREVENTIVE for this advice, by vmId
     * @param unknownVti    the peers on the host without a guest state from before the advice: named, not advised
     */
    public record Advice(String vmId, String remediationId, String advisedTime, int suggestedVti, List<Peer> warned,
                         List<String> unknownVti) {

        public Advice {
            warned = List.copyOf(warned);
            unknownVti = List.copyOf(unknownVti);
        }
    }

    /**
     * A peer warned before it panicked.
     *
     * @param vmId          the peer
     * @param vti           the vti its guest state showed at the advice's time
     * @param suggestedVti  the vti it was told to raise to
     * @param remediationId its RAISE_VTI_PREVENTIVE remediation
     */
    public record Peer(String vmId, int vti, int suggestedVti, String remediationId) {
    }

    /** A host without vti advice (yet), or one the stores do not know: the same empty answer. */
    public static HostAtRisk none(String hostId) {
        return new HostAtRisk(hostId, List.of());
    }

    /**
     * With {@code latest} in place of the same guest's earlier entry; entries of guests no longer on the host
     * ({@code present} lacks them) are dropped, so the value stays as small as the host's guest list.
     */
    HostAtRisk with(Advice latest, Set<String> present) {
        List<Advice> kept = new ArrayList<>();
        for (Advice a : advice) {
            if (!a.vmId().equals(latest.vmId()) && present.contains(a.vmId())) {
                kept.add(a);
            }
        }
        kept.add(latest);
        kept.sort(Comparator.comparing(Advice::vmId));
        return new HostAtRisk(hostId, kept);
    }
}
