package dev.panicwatch.diagnosis.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import dev.panicwatch.diagnosis.classify.PanicClass;
import dev.panicwatch.diagnosis.classify.PanicClassifier;

/** Hand-made reports, each showing one shape real reports take; expected values are read off the input by eye. */
class PanicReportParserTest {

    private final PanicReportParser parser = new PanicReportParser();

    private ParsedReport parse(String text) throws UnparseableReportException {
        return parser.parse(text);
    }

    @Nested
    class PanicLine {

        @Test
        void quoted_parts_are_joined_like_adjacent_c_literals_and_the_location_is_dropped() throws Exception {
            ParsedReport report = parse("""
                    panic(cpu 1 caller 0xffffff800dde568d): "TLB invalidation IPI timeout: " "CPU(s) failed to respond to interrupts, bitmap: 0xc"@/Library/Caches/com.apple.xbs/Sources/xnu/xnu-3789.31.2/osfmk/x86_64/pmap.c:2724
                    Backtrace (CPU 1), Frame : Return Address
                    """);

            assertThat(report.panicString())
                    .isEqualTo("TLB invalidation IPI timeout: CPU(s) failed to respond to interrupts, bitmap: 0xc");
            assertThat(report.panicCpu()).contains(1);
            assertThat(report.caller()).contains("0xffffff800dde568d");
            assertThat(report.xnuVersion()).contains("xnu-3789.31.2"); // from the source path
            assertThat(report.format()).isEqualTo(ReportFormat.LEGACY_TEXT);
        }

        @Test
        void escapes_shown_inside_a_quoted_message_are_read() throws Exception {
            ParsedReport report = parse("panic(cpu 6 caller 0xffffff7f8c1ab728): \"[IGPU] ERROR: never received on"
                    + " \\\"GLOBAL\\\" domain, enabled: 1\\n\"@skl/IntelAccelerator.cpp:7585\n");

            // The kernel printed: "[IGPU] ERROR: never received on \"GLOBAL\" domain, enabled: 1\n"@skl/…
            assertThat(report.panicString()).isEqualTo("[IGPU] ERROR: never received on \"GLOBAL\" domain, enabled: 1");
        }

        @Test
        void an_unquoted_message_ends_at_the_location_even_on_the_next_line_with_crlf() throws Exception {
            ParsedReport report = parse("panic(cpu 4 caller 0xffffff8001a43556): in6_finalize_cksum: mbuf 0x1 pkt"
                    + " len (1446)\r\n @ip6_output.c:2158\r\nPanicked task 0xffffff8c6acea980: 327 threads: pid 0:"
                    + " kernel_task\r\n");

            assertThat(report.panicString()).isEqualTo("in6_finalize_cksum: mbuf 0x1 pkt len (1446)");
            assertThat(report.processName()).contains("kernel_task");
        }

        @Test
        void a_message_over_several_lines_runs_to_the_blank_line_and_a_stray_backtick_is_ignored() throws Exception {
            ParsedReport report = parse("""
                    `panic(cpu 12 caller 0xffffff800cf8099f): userspace watchdog timeout: no successful checkins from remoted
                    service: logd, total successful checkins since wake (80 seconds ago): 9
                    service: remoted, no successful checkins since wake (80 seconds ago)

                    Panicked task 0xffffff94fbefb6d0: 3 threads: pid 111: watchdogd
                    """);

            assertThat(report.panicString()).isEqualTo("userspace watchdog timeout: no successful checkins from"
                    + " remoted service: logd, total successful checkins since wake (80 seconds ago): 9 service:"
                    + " remoted, no successful checkins since wake (80 seconds ago)");
            assertThat(report.processName()).contains("watchdogd");
        }

        @Test
        void the_register_dump_is_not_part_of_a_kernel_trap_message() throws Exception {
            ParsedReport report = parse("""
                    panic(cpu 4 caller 0xffffff800c74aee3): Kernel trap at 0xffffff80106c20fb, type 14=page fault, registers:
                    CR0: 0x000000008001003b, CR2: 0x0000000000000000, CR3: 0x0000000014fca000, CR4: 0x00000000003626e0
                    RAX: 0x00000000ffffffff, RBX: 0x0000000000000010, RCX: 0x0000000000000000, RDX: 0xffffffffff29fcf4
                    """);

            assertThat(report.panicString())
                    .isEqualTo("Kernel trap at 0xffffff80106c20fb, type 14=page fault, registers:");
        }

        @Test
        void a_hard_wrapped_panic_line_is_unwrapped_up_to_the_next_field() throws Exception {
            ParsedReport report = parse("""
                    panic(cpu 8 caller 0xfffffe00538ac33c): watchdog timeout: no checkins from
                    watchdogd in 93 seconds (23277 total checkins since monitoring last enabled)
                    Debugger message: panic Memory ID: 0xff OS release type: User OS version: 25F80
                    Kernel version: Darwin Kernel Version 25.5.0: Mon Apr 27 20:41:15 PDT 2026;
                    root:xnu-12377.121.6~2/RELEASE_ARM64_T6041 Fileset Kernelcache
                    """);

            assertThat(report.panicString()).isEqualTo("watchdog timeout: no checkins from watchdogd in 93 seconds"
                    + " (23277 total checkins since monitoring last enabled)");
            assertThat(report.macOSBuild()).contains("25F80");
            assertThat(report.darwinVersion()).contains("25.5.0");
            assertThat(report.xnuVersion()).contains("xnu-12377.121.6");
        }

        @Test
        void a_quoted_message_wrapped_onto_the_next_line_is_still_read() throws Exception {
            ParsedReport report = parse("""
                    panic(cpu 3 caller 0xffffff800e43baa0):
                    "Spinlock acquisition timed out: lock=0xffffff8017889000"@/xnu/xnu-6153.141.2/osfmk/i386/locks_i386.c:501
                    Backtrace (CPU 3), Frame : Return Address
                    """);

            assertThat(report.panicString()).isEqualTo("Spinlock acquisition timed out: lock=0xffffff8017889000");
            assertThat(report.panicCpu()).contains(3);
        }

        @Test
        void a_panic_line_cut_before_its_message_is_an_error_naming_the_line() {
            assertThatThrownBy(() -> parse("Sun May  4 01:51:48 2014\npanic(cpu 6 caller 0xffffff80184d0f36): \n"))
                    .isInstanceOf(UnparseableReportException.class)
                    .hasMessageContaining("line 2").hasMessageContaining("cut off");
        }
    }

    /**
     * Quotes inside a quoted panic string: panic() prints its format as a C literal but substitutes the arguments as
     * they are, so a kext that names another component in quotes prints quotes inside the literal. The message runs to
     * the last quote before the source location.
     */
    @Nested
    class QuotesInsideAQuotedMessage {

        @Test
        void a_kext_message_naming_components_in_quotes_is_read_whole() throws Exception {
            ParsedReport report = parse("""
                    panic(cpu 2 caller 0xffffff7f9a8b2c3d): "AppleIntelFramebuffer: "IOFramebuffer" did not answer "setPowerState" in 30 s"@/BuildRoot/Library/Caches/com.apple.xbs/Sources/AppleGraphicsControl/AppleGraphicsControl-5.2.6/src/AppleIntelFramebuffer.cpp:1820
                    Backtrace (CPU 2), Frame : Return Address
                    """);

            assertThat(report.panicString())
                    .isEqualTo("AppleIntelFramebuffer: \"IOFramebuffer\" did not answer \"setPowerState\" in 30 s");
            assertThat(report.panicCpu()).contains(2);
        }

        @Test
        void the_text_after_an_inner_quote_decides_the_class() throws Exception {
            // Cut at the inner quote this would read "com.example.driver: ", which names no timeout at all.
            ParsedReport report = parse("""
                    panic(cpu 0 caller 0xffffff7f8d4e5f60): "com.example.driver: "IOAHCIBlockStorageDevice" request timeout, giving up"@/Users/build/driver/Driver.cpp:77
                    Kernel version:
                    Darwin Kernel Version 18.7.0: Tue Aug 20 16:57:14 PDT 2019; root:xnu-4903.271.2~2/RELEASE_X86_64
                    """);

            assertThat(report.panicString())
                    .isEqualTo("com.example.driver: \"IOAHCIBlockStorageDevice\" request timeout, giving up");
            assertThat(new PanicClassifier().classify(report).panicClass()).isEqualTo(PanicClass.OTHER_TIMEOUT);
        }

        @Test
        void adjacent_literals_still_join_when_one_of_them_holds_a_quote() throws Exception {
            ParsedReport report = parse("panic(cpu 1 caller 0xffffff800dde568d): \"AppleHDA: \" \"codec \"HDEF\" lost,"
                    + " reset\"@/xnu/AppleHDA-283.15/AppleHDA.cpp:410\n");

            assertThat(report.panicString()).isEqualTo("AppleHDA: codec \"HDEF\" lost, reset");
        }

        @Test
        void a_message_with_inner_quotes_wrapped_over_two_lines_runs_to_the_location_on_the_second() throws Exception {
            ParsedReport report = parse("""
                    panic(cpu 5 caller 0xffffff7f91a2b3c4): "IOUSBHostFamily: device "Hub 4-port" on port 2 did not
                    answer in time, "enumeration" aborted" @IOUSBHostDevice.cpp:3001
                    Panicked task 0xffffff8c6acea980: 327 threads: pid 0: kernel_task
                    """);

            assertThat(report.panicString()).isEqualTo(
                    "IOUSBHostFamily: device \"Hub 4-port\" on port 2 did not answer in time, \"enumeration\" aborted");
            assertThat(report.processName()).contains("kernel_task");
        }

        @Test
        void a_message_that_only_starts_with_a_quoted_name_is_plain_text_up_to_its_location() throws Exception {
            // The form from macOS 12 on: no literal, the location after a blank.
            ParsedReport report = parse("panic(cpu 0 caller 0xffffff8012345678): \"com.apple.iokit.IOSurface\" reported"
                    + " a fatal error @IOSurfaceRoot.cpp:812\n");

            assertThat(report.panicString()).isEqualTo("\"com.apple.iokit.IOSurface\" reported a fatal error");
        }

        @Test
        void without_a_location_the_literal_ends_at_its_first_closing_quote() throws Exception {
            // An edited report with the location removed: nothing tells an inner quote from the end of the literal.
            ParsedReport report = parse("""
                    panic(cpu 3 caller 0xffffff800e43baa0): "Spinlock acquisition timed out: lock=0x1" owner "kernel_task"
                    Backtrace (CPU 3), Frame : Return Address
                    """);

            assertThat(report.panicString()).isEqualTo("Spinlock acquisition timed out: lock=0x1");
        }
    }

    @Nested
    class WhichSectionDecides {

        @Test
        void the_panic_line_decides_over_an_nmipi_section_and_gives_the_cpu() throws Exception {
            ParsedReport report = parse("""
                    Panic(CPU 3, time 12345678910): NMIPI for unresponsive processor: TLB flush timeout, TLB state:0x0
                    RAX: 0x0000000000000180, RBX: 0xffffff8041005520
                    Backtrace (CPU 3), Frame : Return Address
                    0xffffff81ff64cf80 : 0xffffff801664b77b mach_kernel : _interrupt + 0x12b

                    panic(cpu 7 caller 0xffffff8000b02a3d): "Uninterruptible processor(s): CPU bitmap: 0x8, NMIPI acks: 0x0"@/AppleInternal/BuildRoot/Library/Caches/com.apple.xbs/Sources/xnu/xnu-6153.121.2/osfmk/x86_64/pmap.c:2696
                    Backtrace (CPU 7), Frame : Return Address
                    0xffffff8210433f30 : 0xffffff8016544094 mach_kernel : _pmap_flush_tlbs + 0x7d1
                    """);

            assertThat(report.panicString()).startsWith("Uninterruptible processor(s)");
            assertThat(report.panicCpu()).contains(7);
            // The backtrace is the deciding section's, not the NMI-ed CPU's.
            assertThat(report.backtrace()).containsExactly("_pmap_flush_tlbs");
        }

        @Test
        void an_nmipi_section_alone_decides_and_has_no_caller() throws Exception {
            ParsedReport report = parse("""
                    Panic(CPU 4): NMIPI for spinlock acquisition timeout, spinlock: 0xffffff8000a87818, spinlock_owner_cpu: 0x4
                    RAX: 0x0000000000000040, RBX: 0xffffff8000a692f0
                    """);

            assertThat(report.panicString()).isEqualTo(
                    "NMIPI for spinlock acquisition timeout, spinlock: 0xffffff8000a87818, spinlock_owner_cpu: 0x4");
            assertThat(report.panicCpu()).contains(4);
            assertThat(report.caller()).isEmpty();
        }

        @Test
        void mp_kdp_enter_log_lines_before_the_panic_line_do_not_decide() throws Exception {
            ParsedReport report = parse("""
                    mp_kdp_enter() timed-out on cpu 1, NMI-ing
                    mp_kdp_enter() timed-out during locked wait after NMI;expected 24 acks but received 23
                    panic(cpu 1 caller 0xffffff801039e081): "IPI timeout, unresponsive CPU bitmap: 0x8, NMIPI acks: 0x0"@/System/xnu/xnu-7195.101.2/osfmk/x86_64/pmap.c:2892
                    """);

            assertThat(report.panicString()).isEqualTo("IPI timeout, unresponsive CPU bitmap: 0x8, NMIPI acks: 0x0");
        }

        @Test
        void a_debugger_entry_timeout_that_replaced_the_panic_gives_way_to_the_nmipi_section() throws Exception {
            // The kernel panicked again while stopping the CPUs; the NMIPI section still names the original timeout.
            ParsedReport report = parse("""
                    Panic(CPU 2, time 31943595888269): NMIPI for unresponsive processor: TLB flush timeout, TLB state:0x0
                    RAX: 0x0000000000000180
                    panic(cpu 4 caller 0xffffff80112e6734): "mp_kdp_enter() timed-out during locked wait after NMI;" "expected 24 acks"@/xnu/xnu-4903.278.44/osfmk/i386/mp.c:1765
                    """);

            assertThat(report.panicString()).startsWith("NMIPI for unresponsive processor: TLB flush timeout");
            assertThat(report.panicCpu()).contains(2);
        }

        @Test
        void a_debugger_entry_timeout_alone_is_the_panic() throws Exception {
            ParsedReport report = parse("""
                    panic(cpu 4 caller 0xffffff80112e6734): "mp_kdp_enter() timed-out during locked wait after NMI;" "expected 24 acks"@/xnu/xnu-4903.278.44/osfmk/i386/mp.c:1765
                    """);

            assertThat(report.panicString())
                    .isEqualTo("mp_kdp_enter() timed-out during locked wait after NMI;expected 24 acks");
        }

        @Test
        void watchdog_lines_and_kext_lists_around_a_panic_do_not_decide() throws Exception {
            ParsedReport report = parse("""
                    SMCWDT::setWatchdogTimer ERROR: SMC write failed
                    panic(cpu 0 caller 0xffffff80002d1ea6): Kernel trap at 0xffffff7f81ab2d3f, type 13=general protection, registers:
                    CR0: 0x000000008001003b
                    loaded kexts:
                    com.apple.driver.AppleOSXWatchdog	1
                    com.apple.driver.watchdog	1
                    """);

            assertThat(report.panicString())
                    .isEqualTo("Kernel trap at 0xffffff7f81ab2d3f, type 13=general protection, registers:");
        }

        @Test
        void a_watchdog_error_line_right_after_an_unquoted_panic_line_is_not_part_of_it() throws Exception {
            ParsedReport report = parse("""
                    panic(cpu 2 caller 0xffffff80002d1ea6): Kernel trap at 0xffffff7f81ab2d3f, type 6=invalid opcode
                    SMCWDT::setWatchdogTimer ERROR: smcWriteKey WDTC failed
                    """);

            assertThat(report.panicString()).isEqualTo("Kernel trap at 0xffffff7f81ab2d3f, type 6=invalid opcode");
        }

        @Test
        void in_a_paste_of_several_reports_the_first_panic_line_decides() throws Exception {
            ParsedReport report = parse("""
                    panic(cpu 2 caller 0xffffff8013eb7f7e): Spinlock(0xffffff8013ef3280) timeout after 134400088647 ticks

                    And here is the one from yesterday:

                    panic(cpu 0 caller 0xffffff8017048b81): AppleHDA::setPowerState(0x1 : 0x2, 0 -> 1) timed out after 10168 ms @IOServicePM.cpp:5411
                    """);

            assertThat(report.panicString()).isEqualTo("Spinlock(0xffffff8013ef3280) timeout after 134400088647 ticks");
            assertThat(report.panicCpu()).contains(2);
        }

        @Test
        void a_sleep_wake_failure_report_is_read_as_its_first_line() throws Exception {
            ParsedReport report = parse("""
                    Sleep Wake failure in EFI

                    Failure code:: 0xffffffff 0x0000001f
                    Date/Time:        2020-05-08 11:40:58 +0800
                    Boot args:        agdpmod=vit9696 darkwake=1
                    """);

            assertThat(report.panicString()).isEqualTo("Sleep Wake failure in EFI");
            assertThat(report.bootArgs()).contains("agdpmod=vit9696 darkwake=1");
            // 11:40:58 at +08:00 is 03:40:58 UTC.
            assertThat(report.panicTime()).contains(Instant.parse("2020-05-08T03:40:58Z"));
        }
    }

    @Nested
    class SleepWakeStackshots {

        @Test
        void the_first_paragraph_of_a_sleep_wake_stackshot_is_its_panic_string() throws Exception {
            ParsedReport report = parse("""
                    Sleep transition timed out after 180 seconds while calling power state change callbacks. Suspected bundle: com.apple.iokit.IOUSBHostFamily. Thread 0x24d3.
                    Failure code:: 0x00000004 00000014

                    ================================================================
                    Date/Time:        2020-02-18 09:48:05 +0100
                    OS Version:       ??? ??? (Build ???)
                    Event:            Sleep Wake Failure
                    Boot args:        darkwake=0 gfxrst=1
                    Version:          Darwin Kernel Version 19.3.0: Thu Jan  9 20:58:23 PST 2020; root:xnu-6153.81.5~1/RELEASE_X86_64
                    """);

            assertThat(report.panicString()).isEqualTo("Sleep transition timed out after 180 seconds while calling"
                    + " power state change callbacks. Suspected bundle: com.apple.iokit.IOUSBHostFamily. Thread 0x24d3.");
            assertThat(report.xnuVersion()).contains("xnu-6153.81.5");
            assertThat(report.macOSBuild()).as("'Build ???' is no build").isEmpty();
            assertThat(report.bootArgs()).contains("darkwake=0 gfxrst=1");
            // 09:48:05 at +01:00 is 08:48:05 UTC.
            assertThat(report.panicTime()).contains(Instant.parse("2020-02-18T08:48:05Z"));
        }

        @Test
        void a_stackshot_excerpt_without_its_first_paragraph_has_no_panic() {
            assertThatThrownBy(() -> parse("""
                    ================================================================
                    Date/Time:        2020-02-18 09:48:05 +0100
                    Event:            Sleep Wake Failure
                    """)).isInstanceOf(UnparseableReportException.class);
        }
    }

    @Nested
    class PastedForms {

        private static final String PLAIN = """
                panic(cpu 1 caller 0xffffff80096daadd): Kernel trap at 0xffffff7f8bf74b0a, type 14=page fault, registers:
                CR0: 0x000000008001003b, CR2: 0xffffff811599c000
                Backtrace (CPU 1), Frame : Return Address
                0xffffff8112bcb6b0 : 0xffffff80095ad6ed mach_kernel : _handle_debugger_trap + 0x4ad
                BSD process name corresponding to current thread: kernel_task
                Boot args: keepsyms=1 vti=9
                """;

        @Test
        void markdown_quoting_with_a_blank_quoted_line_after_every_line_reads_like_the_plain_report()
                throws Exception {
            StringBuilder quoted = new StringBuilder();
            PLAIN.lines().forEach(line -> quoted.append("> ").append(line).append("\n> \n"));

            assertThat(parse(quoted.toString())).isEqualTo(parse(PLAIN));
        }

        @Test
        void a_four_space_indent_and_code_fences_read_like_the_plain_report() throws Exception {
            StringBuilder indented = new StringBuilder("```text\n");
            PLAIN.lines().forEach(line -> indented.append("    ").append(line).append('\n'));
            indented.append("```\n");

            assertThat(parse(indented.toString())).isEqualTo(parse(PLAIN));
        }

        @Test
        void the_plain_report_gives_the_fields_it_states() throws Exception {
            ParsedReport report = parse(PLAIN);

            assertThat(report.panicCpu()).contains(1);
            assertThat(report.backtrace()).containsExactly("_handle_debugger_trap");
            assertThat(report.processName()).contains("kernel_task");
            assertThat(report.bootArgs()).contains("keepsyms=1 vti=9");
        }

        @Test
        void html_entities_of_a_web_page_copy_are_decoded() throws Exception {
            ParsedReport report = parse("&gt; panic(cpu 0 caller 0xffffff8001e33bd4): &quot;Spinlock acquisition timed"
                    + " out: lock=0x1 &amp; more&quot;@/SourceCache/xnu/xnu-2422.110.17/osfmk/i386/locks_i386.c:365\n");

            assertThat(report.panicString()).isEqualTo("Spinlock acquisition timed out: lock=0x1 & more");
        }

        @Test
        void an_unknown_line_after_a_kernel_trap_does_not_join_it_when_it_is_a_field() throws Exception {
            ParsedReport report = parse("""
                    panic(cpu 0 caller 0xffffff80002d1ea6): Kernel trap at 0x1, type 18=machine check, registers:
                    Machine-check capabilities: 0x0000000001000c07
                    """);

            assertThat(report.panicString()).isEqualTo("Kernel trap at 0x1, type 18=machine check, registers:");
        }

        @Test
        void malformed_utf8_is_replaced_not_fatal() throws Exception {
            byte[] head = "panic(cpu 0 caller 0xffffff8001e33bd4): \"Spinlock acquisition timed out: lock=".getBytes(
                    StandardCharsets.US_ASCII);
            byte[] bad = {(byte) 0xC3, (byte) 0x28, (byte) 0xFF};
            byte[] tail = "0x1\"@/SourceCache/xnu/xnu-2422.110.17/osfmk/i386/locks_i386.c:365\n".getBytes(
                    StandardCharsets.US_ASCII);
            byte[] all = new byte[head.length + bad.length + tail.length];
            System.arraycopy(head, 0, all, 0, head.length);
            System.arraycopy(bad, 0, all, head.length, bad.length);
            System.arraycopy(tail, 0, all, head.length + bad.length, tail.length);

            ParsedReport report = parser.parse(all);

            // C3 28 is an invalid pair (one U+FFFD, then "("), FF is invalid on its own (another U+FFFD).
            assertThat(report.panicString()).isEqualTo("Spinlock acquisition timed out: lock=\uFFFD(\uFFFD0x1");
            assertThat(report.xnuVersion()).contains("xnu-2422.110.17");
        }
    }

    @Nested
    class LegacyFields {

        @Test
        void reads_the_version_block_model_uptime_and_date_of_a_legacy_report() throws Exception {
            ParsedReport report = parse("""
                    Anonymous UUID:       6EC9C959-1935-64E3-89E8-47EFC08F4DDA

                    Wed Dec 21 19:29:57 2016

                    *** Panic Report ***
                    panic(cpu 1 caller 0xffffff800dde568d): "TLB invalidation IPI timeout: "@/xnu/xnu-3789.31.2/osfmk/x86_64/pmap.c:2724
                    BSD process name corresponding to current thread: kernel_task

                    Mac OS version:
                    16C67

                    Kernel version:
                    Darwin Kernel Version 16.3.0: Thu Nov 17 20:23:58 PST 2016; root:xnu-3789.31.2~1/RELEASE_X86_64
                    System model name: MacBookPro12,1 (Mac-E43C1C25D4880AD6)

                    System uptime in nanoseconds: 185155142878849
                    """);

            assertThat(report.macOSBuild()).contains("16C67");
            assertThat(report.darwinVersion()).contains("16.3.0");
            assertThat(report.systemModel()).contains("MacBookPro12,1");
            assertThat(report.uptimeNanos()).contains(185_155_142_878_849L);
            assertThat(report.bootArgs()).isEmpty();
            // The date line has no zone; it is read as UTC.
            assertThat(report.panicTime()).contains(Instant.parse("2016-12-21T19:29:57Z"));
        }

        @Test
        void a_t2_log_gives_the_macos_build_not_the_bridgeos_one() throws Exception {
            ParsedReport report = parse("""
                    panic(cpu 0 caller 0xfffffff00bf53458): "Completion timeout seen!" @AppleEmbeddedPCIeUpLinkMgmt.cpp:3659
                    Debugger message: panic
                    OS version: 22P4248
                    macOS version: 24E263
                    """);

            assertThat(report.panicString()).isEqualTo("Completion timeout seen!");
            assertThat(report.macOSBuild()).contains("24E263");
        }

        @Test
        void the_epoch_calendar_line_is_the_exact_panic_time() throws Exception {
            ParsedReport report = parse("""
                    panic(cpu 0 caller 0xffffff80002d1ea6): Kernel trap at 0x1, type 14=page fault, registers:
                    Epoch Time:        sec       usec
                      Boot    : 0x5f2b8b2b 0x000c7e4c
                      Calendar: 0x5f2b9b1f 0x0007a120
                    """);

            // 0x5f2b9b1f = 1596693279 s = 2020-08-06T05:54:39Z; 0x7a120 = 500000 µs.
            assertThat(report.panicTime()).contains(Instant.parse("2020-08-06T05:54:39.5Z"));
        }

        @Test
        void boot_args_glued_to_the_system_profile_keep_only_the_boot_args_part() throws Exception {
            ParsedReport report = parse("""
                    panic(cpu 6 caller 0xffffff80184d0f36): trying to interlock destroyed mutex (0xffffff8058e42000)
                    BSD process name corresponding to current thread: kernel_task
                    Boot args: keepsyms=1Model: MacPro5,1, BootROM MP51.007F.B03, 8 processors, Quad-Core Intel Xeo""");

            assertThat(report.bootArgs()).contains("keepsyms=1");
            assertThat(report.systemModel()).contains("MacPro5,1");
        }

        @Test
        void nothing_but_the_glued_profile_means_no_boot_args() throws Exception {
            ParsedReport report = parse("""
                    panic(cpu 6 caller 0xffffff80184d0f36): trying to interlock destroyed mutex (0xffffff8058e42000)
                    Boot args: Model: MacPro5,1, BootROM MP51.007F.B03""");

            assertThat(report.bootArgs()).isEmpty();
        }

        @Test
        void the_panicked_task_of_the_deciding_section_names_the_process() throws Exception {
            ParsedReport report = parse("""
                    Process name corresponding to current thread (0xffffff95118d70c8): kernel_task
                    panic(cpu 11 caller 0xffffff8010154eb2): IPI timeout, unresponsive CPU bitmap: 0x1 @pmap.c:3092
                    Panicked task 0xffffff9044ffb5d8: 11 threads: pid 220: airportd
                    """);

            assertThat(report.processName()).contains("airportd");
        }

        @Test
        void backtrace_keeps_symbols_and_skips_bare_addresses() throws Exception {
            ParsedReport report = parse("""
                    panic(cpu 7, caller 0x....): "Uninterruptible processor(s): CPU bitmap: 0x800"@/xnu/xnu-6153.121.2/osfmk/x86_64/pmap.c:2696
                    Backtrace (CPU 7), Frame : Return Address
                    0xffffff81f6a83a90 : 0xffffff800dcf211c
                    0xffffff81f6a83b10 : 0xffffff800dde568d com.apple.driver.AppleIntelCPUPowerManagement : _pmProcessorDoIdle + 0x10
                    mach_kernel : _panic + 0x54
                    """);

            assertThat(report.backtrace()).containsExactly("_pmProcessorDoIdle", "_panic");
            assertThat(report.caller()).as("a redacted caller is no address").isEmpty();
            assertThat(report.panicCpu()).contains(7);
        }
    }

    @Nested
    class JsonReports {

        @Test
        void a_whole_ips_report_is_read_with_its_header_time() throws Exception {
            ParsedReport report = parse("""
                    {"bug_type":"210","timestamp":"2024-10-28 19:53:37.00 -0400","os_version":"macOS 15.1 (24B83)"}
                    {"product":"iMacPro1,1","kernel":"Darwin Kernel Version 24.1.0: Thu Oct 10 21:02:27 PDT 2024; root:xnu-11215.41.3~2\\/RELEASE_X86_64","panicString":"panic(cpu 8 caller 0xffffff800d9487de): Spinlock[0xffffff8013ef3280] timeout after 100 ticks; current owner: 0x1 @locks.c:42\\nPanicked task 0xffffff9ae8ffe9b0: 310 threads: pid 0: kernel_task\\n"}
                    """);

            assertThat(report.format()).isEqualTo(ReportFormat.IPS_JSON);
            assertThat(report.panicString())
                    .isEqualTo("Spinlock[0xffffff8013ef3280] timeout after 100 ticks; current owner: 0x1");
            assertThat(report.panicCpu()).contains(8);
            assertThat(report.xnuVersion()).contains("xnu-11215.41.3"); // from the body's kernel field
            assertThat(report.darwinVersion()).contains("24.1.0");
            assertThat(report.macOSBuild()).contains("24B83");
            assertThat(report.systemModel()).contains("iMacPro1,1");
            assertThat(report.processName()).contains("kernel_task");
            // 19:53:37 at -04:00 is 23:53:37 UTC.
            assertThat(report.panicTime()).contains(Instant.parse("2024-10-28T23:53:37Z"));
        }

        @Test
        void a_body_cut_inside_the_panic_string_keeps_what_survived() throws Exception {
            ParsedReport report = parse("""
                    {"bug_type":"210","timestamp":"2024-10-28 19:53:37.00 -0400","os_version":"macOS 15.1 (24B83)"}
                    {"macOSPanicString":"panic(cpu 8 caller 0xffffff800d9487de): Kernel trap at 0xffffff800d501057, type 14=page fault, registers:\\nCR0: 0x000000008001003b\\nBacktrace (CPU 8), panicked thread: 0xffffff87bc7945a0, Frame : Return Address\\n0xfffffff83237a260 : 0xffffff800d7ebc91 mach_kernel : _handle_debugger_trap + 0x4c1\\n0xfffff""");

            assertThat(report.format()).isEqualTo(ReportFormat.IPS_JSON);
            assertThat(report.panicString())
                    .isEqualTo("Kernel trap at 0xffffff800d501057, type 14=page fault, registers:");
            assertThat(report.backtrace()).containsExactly("_handle_debugger_trap");
            assertThat(report.macOSBuild()).contains("24B83"); // the header line survived whole
        }

        @Test
        void a_body_cut_inside_an_escape_drops_only_the_broken_escape() throws Exception {
            ParsedReport report = parse("{\"bug_type\":\"210\"}\n{\"panicString\":\"panic(cpu 0 caller 0xfffffff016eab984):"
                    + " macOS watchdog detected\\u00");

            assertThat(report.panicString()).isEqualTo("macOS watchdog detected");
        }

        @Test
        void a_json_body_pasted_below_prose_is_still_read_as_json() throws Exception {
            ParsedReport report = parse("""
                    Here is the panic-full file from DiagnosticReports:
                      "kernel" : "Darwin Kernel Version 17.7.0: Fri Jun 15 23:12:25 PDT 2018; root:xnu-4570.71.1~3\\/RELEASE_ARM64_T8010",
                      "panicString" : "panic(cpu 0 caller 0xfffffff016eab984): macOS watchdog detected\\nDebugger message: panic\\n",
                    """);

            assertThat(report.format()).isEqualTo(ReportFormat.IPS_JSON);
            assertThat(report.panicString()).isEqualTo("macOS watchdog detected");
            assertThat(report.xnuVersion()).contains("xnu-4570.71.1");
        }

        @Test
        void a_panic_string_without_the_panic_prefix_is_still_the_panic_string() throws Exception {
            ParsedReport report = parse("{\"panicString\":\"Sleep transition timed out after 180 seconds\\nmore\"}");

            assertThat(report.panicString()).isEqualTo("Sleep transition timed out after 180 seconds");
        }

        @Test
        void json_without_a_panic_string_is_an_error_that_says_so() {
            assertThatThrownBy(() -> parse("{\"bug_type\":\"288\",\"os_version\":\"macOS 14.0\"}\n{\"threads\":[]}"))
                    .isInstanceOf(UnparseableReportException.class)
                    .hasMessageContaining("panicString");
        }

        @Test
        void an_empty_panic_string_is_an_error() {
            assertThatThrownBy(() -> parse("{\"bug_type\":\"210\"}\n{\"panicString\":\"  \"}"))
                    .isInstanceOf(UnparseableReportException.class)
                    .hasMessageContaining("empty");
        }
    }

    @Nested
    class NoPanic {

        @Test
        void empty_and_blank_input_is_an_empty_report() {
            assertThatThrownBy(() -> parse("")).isInstanceOf(UnparseableReportException.class)
                    .hasMessage("the report is empty");
            assertThatThrownBy(() -> parse(" \r\n> \n\t\n")).isInstanceOf(UnparseableReportException.class)
                    .hasMessage("the report is empty");
            assertThatThrownBy(() -> parser.parse(new byte[0])).isInstanceOf(UnparseableReportException.class)
                    .hasMessage("the report is empty");
        }

        @Test
        void text_without_a_panic_says_what_was_looked_for() {
            assertThatThrownBy(() -> parse("hello\nworld\n")).isInstanceOf(UnparseableReportException.class)
                    .hasMessageContaining("no panic line").hasMessageContaining("2 lines");
        }

        @Test
        void a_report_cut_after_its_heading_says_so() {
            assertThatThrownBy(() -> parse("*** Panic Report ***\nMachine-check capabilities: 0x0000000001000c07\n"))
                    .isInstanceOf(UnparseableReportException.class)
                    .hasMessageContaining("*** Panic Report ***").hasMessageContaining("cut");
        }

        @Test
        void null_input_is_an_unparseable_report_not_a_null_pointer() {
            assertThatThrownBy(() -> parser.parse((String) null)).isInstanceOf(UnparseableReportException.class);
            assertThatThrownBy(() -> parser.parse((byte[]) null)).isInstanceOf(UnparseableReportException.class);
        }
    }
}
