package dev.panicwatch.ingest.host;

import java.util.List;

/** Finds the VMs running on this host, once per sampling round. */
interface VmDiscovery {

    /** The VMs running now. Never throws for a VM that vanishes or is half-configured; it is left out instead. */
    List<VmProcess> discover();

    /** Where this discovery looks, for the "no running VMs" message (e.g. "Proxmox pid files in /run/qemu-server"). */
    String describe();
}
