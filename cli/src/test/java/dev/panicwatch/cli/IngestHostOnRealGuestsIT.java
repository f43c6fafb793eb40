package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.panicwatch.ingest.testing.guests.KvmGuest;
import dev.panicwatch.ingest.testing.guests.RealGuests;

/**
 * {@code ./panicwatch ingest host --once --json} on real KVM guests: the command a user tries first on a host prints
 * one line per running guest with its identity and measured rates (docs/host-sampler.md, "Real guests").
 */
@Tag("integration")
@Timeout(180)
class IngestHostOnRealGuestsIT {

    @RegisterExtension
    final RealGuests guests = new RealGuests();

    @Test
    void onceJsonPrintsEachRunningGuestWithItsIdentityAndRates() throws Exception {
        KvmGuest proxmox = guests.startProxmox(301, "mac301", 2, 512, 1);

        CliRun run = CliRun.of("ingest", "host", "--once", "--json", "--interval", "2s", "--platform", "proxmox",
                "--pve-root", guests.proxmoxRoots().pve().toString(),
                "--run-root", guests.proxmoxRoots().run().toString(), "--host-id", "kvmcli");

        assertThat(run.exitCode()).as(run.err()).isZero();
        Map<String, JsonNode> byVm = new HashMap<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : run.out().split("\n")) {
            if (!line.isBlank()) {
                JsonNode sample = json.readTree(line);
                byVm.put(sample.get("vmId").asText(), sample);
            }
        }
        assertThat(byVm).containsOnlyKeys("kvmcli/301");
        JsonNode sample = byVm.get("kvmcli/301");
        assertThat(sample.get("smbiosUuid").asText()).isEqualTo(proxmox.uuid());
        assertThat(sample.get("vmVcpus").asInt()).isEqualTo(2);
        assertThat(sample.get("cpuunits").asInt()).isEqualTo(512);
        // --once reads twice, 2 s apart, so the rates are there.
        assertThat(sample.get("intervalMillis").asLong()).isGreaterThanOrEqualTo(2000);
        assertThat(sample.get("vcpuWaitRatioMax").isNumber()).isTrue();
        assertThat(sample.get("vmCpuUsage").asDouble()).isGreaterThan(0);
    }
}
