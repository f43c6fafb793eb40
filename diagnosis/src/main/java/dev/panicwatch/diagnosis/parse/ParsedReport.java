package dev.panicwatch.diagnosis.parse;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a panic report says, before anything is known of the VM that sent it. Optional fields are empty when the
 * report does not state them (many published reports are excerpts).
 */
public record ParsedReport(
        ReportFormat format,
        String panicString,
        Optional<Integer> panicCpu,
        Optional<String> caller,
        Optional<String> xnuVersion,
        Optional<String> darwinVersion,
        Optional<String> macOSBuild,
        Optional<String> systemModel,
        Optional<Long> uptimeNanos,
        Optional<String> bootArgs,
        List<String> backtrace,
        Optional<String> processName,
        Optional<Instant> panicTime) {
}
