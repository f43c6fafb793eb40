package dev.panicwatch.ingest.guest;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.panicwatch.diagnosis.kernel.BootArgs;
import dev.panicwatch.diagnosis.kernel.XnuVersion;
import dev.panicwatch.ingest.panic.VmIdentity;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.GuestStateSource;

/**
 * Reads one guest-state observation from its JSON form: the body of {@code POST /v1/guest-state} (what the guest agent
 * sends) and, with {@code "type":"guest"} added, a guest line of a replay scenario. One reader for both, so the two
 * formats cannot drift apart; the published JSON Schema ({@link #SCHEMA_RESOURCE}) describes the same fields, and a
 * test holds the two together.
 *
 * <p>Every problem names the field. {@code vti} and {@code tlbtoUs}, when the sender gives them, must agree with what
 * its {@code bootArgs} set as XNU reads them (docs/design.md#boot-args): a disagreement means the sender parses
 * boot-args differently from the kernel, and the advice would rest on the wrong number. When absent they are worked out
 * here. Fields the format does not know are not an error (a newer agent may send more) but are named in
 * {@link Read#ignored()}, so a typo does not go unnoticed.
 */
public final class GuestStateJson {

    /** The JSON Schema of the body, on the classpath; {@code GET /v1/guest-state/schema} serves it. */
    public static final String SCHEMA_RESOURCE = "/dev/panicwatch/ingest/guest/guest-state.schema.json";

    /** The fields, in the order of the schema; only vmId is required. */
    public static final List<String> FIELDS = List.of("vmId", "hostId", "smbiosUuid", "time", "bootArgs", "vti",
            "tlbtoUs", "osVersion", "osBuild", "kernelVersion", "bootTime", "cpus", "bootLogVti", "agentVersion");

    /** Longer text values are a sender's mistake, not a version string. */
    static final int MAX_TEXT_LENGTH = 1_000;

    private static final Pattern OS_VERSION = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){0,2}");
    /**
     * The boot log's shift of XNU's 64-bit deadlines; beyond 63 it is no shift. (vti and tlbtoUs themselves are taken
     * as the boot-args give them, however implausible: the observation is what the guest runs.)
     */
    static final int MAX_SHIFT = 63;

    /** A body or line that cannot be used; the message names the field and the problem. */
    public static final class InvalidGuestStateException extends Exception {
        public InvalidGuestStateException(String message) {
            super(message);
        }
    }

    /** The observation, and the fields of the input that were not read. */
    public record Read(GuestState state, Set<String> ignored) {
    }

    private GuestStateJson() {
    }

    /**
     * @param object       the JSON object; {@code ignoredFields} are skipped without a note (the scenario's "type")
     * @param source       who observed it
     * @param receivedTime when the collector got it; also the observation time when the object has no {@code time}
     */
    public static Read read(ObjectNode object, GuestStateSource source, Instant receivedTime, Set<String> ignoredFields)
            throws InvalidGuestStateException {
        Set<String> unknown = new TreeSet<>();
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name) && !ignoredFields.contains(name)) {
                unknown.add(name);
            }
        }
        VmIdentity vm;
        try {
            vm = new VmIdentity(text(object, "vmId"), text(object, "hostId"), text(object, "smbiosUuid"),
                    text(object, "bootArgs"));
        } catch (IllegalArgumentException e) {
            throw new InvalidGuestStateException(e.getMessage());
        }
        String bootArgs = vm.bootArgs();
        if (bootArgs != null && bootArgs.length() > MAX_TEXT_LENGTH) {
            throw new InvalidGuestStateException("\"bootArgs\" is " + bootArgs.length() + " characters long; at most "
                    + MAX_TEXT_LENGTH + " are allowed");
        }
        int vti = BootArgs.currentVti(bootArgs);
        Optional<Integer> sentVti = number(object, "vti", Integer.MIN_VALUE, Integer.MAX_VALUE);
        if (sentVti.isPresent() && sentVti.get() != vti) {
            throw new InvalidGuestStateException("\"vti\" is " + sentVti.get() + " but \"bootArgs\" "
                    + describe(bootArgs) + " set vti " + vti + (bootArgs != null && BootArgs.number(bootArgs, "vti")
                    .isPresent() ? "" : " (XNU's default, no vti= token)") + "; send the boot-args as the kernel has "
                    + "them (sysctl -n kern.bootargs)");
        }
        Integer tlbtoUs = tlbtoUs(bootArgs);
        if (object.has("tlbtoUs")) {
            Integer sent = number(object, "tlbtoUs", Integer.MIN_VALUE, Integer.MAX_VALUE).orElse(null);
            if (!java.util.Objects.equals(sent, tlbtoUs)) {
                throw new InvalidGuestStateException("\"tlbtoUs\" is " + sent + " but \"bootArgs\" "
                        + describe(bootArgs) + (tlbtoUs == null ? " leave it unset (no tlbto_us= token)"
                        : " set tlbto_us=" + tlbtoUs));
            }
        }
        Instant observed = instant(object, "time").orElse(receivedTime);
        Instant bootTime = instant(object, "bootTime").orElse(null);
        if (bootTime != null && bootTime.isAfter(observed)) {
            throw new InvalidGuestStateException("\"bootTime\" " + bootTime + " is after \"time\" " + observed
                    + ": a guest cannot be observed before it booted");
        }
        String osVersion = bounded(object, "osVersion");
        if (osVersion != null && !OS_VERSION.matcher(osVersion).matches()) {
            throw new InvalidGuestStateException("\"osVersion\" must be a macOS version such as 10.15.5 "
                    + "(sw_vers -productVersion), found \"" + osVersion + "\"");
        }
        String kernelVersion = bounded(object, "kernelVersion");
        GuestState state = GuestState.newBuilder()
                .setVmId(vm.vmId())
                .setHostId(vm.hostId())
                .setSmbiosUuid(vm.smbiosUuid())
                .setObservedTime(observed)
                .setReceivedTime(receivedTime)
                .setSource(source)
                .setBootArgs(bootArgs)
                .setVti(vti)
                .setTlbtoUs(tlbtoUs)
                .setOsVersion(osVersion)
                .setOsBuild(bounded(object, "osBuild"))
                .setKernelVersion(kernelVersion)
                .setXnuVersion(XnuVersion.parse(kernelVersion).map(XnuVersion::toString).orElse(null))
                .setBootTime(bootTime)
                .setCpus(number(object, "cpus", 1, 4096).orElse(null))
                .setBootLogVti(number(object, "bootLogVti", 0, MAX_SHIFT).orElse(null))
                .setAgentVersion(bounded(object, "agentVersion"))
                .build();
        return new Read(state, unknown);
    }

    /** The fields of the observation as the JSON form writes them (nulls left out): for logs and tests. */
    public static Map<String, Object> fields(GuestState s) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("vmId", s.getVmId());
        putIfSet(out, "hostId", s.getHostId());
        putIfSet(out, "smbiosUuid", s.getSmbiosUuid());
        out.put("time", s.getObservedTime().toString());
        putIfSet(out, "bootArgs", s.getBootArgs());
        out.put("vti", s.getVti());
        putIfSet(out, "tlbtoUs", s.getTlbtoUs());
        putIfSet(out, "osVersion", s.getOsVersion());
        putIfSet(out, "osBuild", s.getOsBuild());
        putIfSet(out, "kernelVersion", s.getKernelVersion());
        putIfSet(out, "bootTime", s.getBootTime() == null ? null : s.getBootTime().toString());
        putIfSet(out, "cpus", s.getCpus());
        putIfSet(out, "bootLogVti", s.getBootLogVti());
        putIfSet(out, "agentVersion", s.getAgentVersion());
        return out;
    }

    /** The tlbto_us the boot-args set, or null when they leave it to the kernel's default. */
    static Integer tlbtoUs(String bootArgs) {
        OptionalInt tlbto = BootArgs.number(bootArgs, "tlbto_us");
        return tlbto.isPresent() ? tlbto.getAsInt() : null;
    }

    private static void putIfSet(Map<String, Object> out, String name, Object value) {
        if (value != null) {
            out.put(name, value);
        }
    }

    private static String describe(String bootArgs) {
        return bootArgs == null ? "(none)" : "'" + bootArgs + "'";
    }

    private static String text(ObjectNode object, String name) throws InvalidGuestStateException {
        JsonNode value = object.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new InvalidGuestStateException("\"" + name + "\" must be a string, found " + value);
        }
        return value.asText();
    }

    /** A free-text value: one line, at most {@link #MAX_TEXT_LENGTH} characters, blank counts as absent. */
    private static String bounded(ObjectNode object, String name) throws InvalidGuestStateException {
        String value = text(object, name);
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        if (v.length() > MAX_TEXT_LENGTH) {
            throw new InvalidGuestStateException("\"" + name + "\" is " + v.length() + " characters long; at most "
                    + MAX_TEXT_LENGTH + " are allowed");
        }
        if (v.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidGuestStateException("\"" + name + "\" contains control characters (a line break?)");
        }
        return v;
    }

    private static Optional<Integer> number(ObjectNode object, String name, int min, int max)
            throws InvalidGuestStateException {
        JsonNode value = object.get(name);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < min || value.asInt() > max) {
            throw new InvalidGuestStateException("\"" + name + "\" must be a whole number "
                    + (min == Integer.MIN_VALUE && max == Integer.MAX_VALUE ? "(32-bit)" : "from " + min + " to " + max)
                    + ", found " + value);
        }
        return Optional.of(value.asInt());
    }

    private static Optional<Instant> instant(ObjectNode object, String name) throws InvalidGuestStateException {
        JsonNode value = object.get(name);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (value.isTextual()) {
            try {
                return Optional.of(OffsetDateTime.parse(value.asText()).toInstant());
            } catch (DateTimeException e) {
                // falls through to the message below
            }
        }
        throw new InvalidGuestStateException("\"" + name + "\" must be an ISO-8601 time with its offset, such as "
                + "2026-03-02T09:15:00Z, found " + value);
    }
}
