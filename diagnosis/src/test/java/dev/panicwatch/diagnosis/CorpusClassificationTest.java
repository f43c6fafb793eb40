package dev.panicwatch.diagnosis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.panicwatch.diagnosis.classify.Diagnosis;
import dev.panicwatch.diagnosis.classify.PanicClassifier;
import dev.panicwatch.diagnosis.parse.PanicReportParser;
import dev.panicwatch.diagnosis.parse.ParsedReport;
import dev.panicwatch.diagnosis.parse.UnparseableReportException;

/**
 * Every public panic log in src/test/resources/corpus gets the class, vti verdict and kernel version that
 * corpus/labels.tsv gives it. The labels were written by people reading each log against docs/design.md#panic-classes, not by running
 * this code.
 */
class CorpusClassificationTest {

    private static final Path CORPUS = corpusDir();
    private final PanicReportParser parser = new PanicReportParser();
    private final PanicClassifier classifier = new PanicClassifier();

    /** One row of labels.tsv: file prefix, accepted classes ('|'-separated, ERROR allowed), vti_governed, xnu. */
    record Label(String prefix, Set<String> acceptedClasses, String vtiGoverned, String xnuVersion) {
        @Override
        public String toString() {
            return prefix + " " + acceptedClasses;
        }
    }

    static Stream<Label> labels() throws IOException {
        return Files.readAllLines(CORPUS.resolve("labels.tsv")).stream()
                .filter(line -> !line.isBlank() && !line.startsWith("#"))
                .map(line -> line.split("\t"))
                .map(cols -> new Label(cols[0], Set.of(cols[1].split("\\|")), cols[2], cols[3]));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("labels")
    void every_corpus_log_gets_its_labelled_class(Label label) throws IOException {
        Path file = fileFor(label.prefix());
        byte[] raw = Files.readAllBytes(file);
        ParsedReport report;
        try {
            report = parser.parse(raw);
        } catch (UnparseableReportException noPanic) {
            assertThat(label.acceptedClasses()).as("%s could not be parsed: %s", file.getFileName(),
                    noPanic.getMessage()).contains("ERROR");
            assertThat(noPanic.getMessage()).as("the error must say why").isNotBlank();
            return;
        }
        Diagnosis diagnosis = classifier.classify(report);

        assertThat(label.acceptedClasses()).as("class of %s (panic string: %s)", file.getFileName(),
                report.panicString()).contains(diagnosis.panicClass().name());
        if (!label.vtiGoverned().equals("-")) {
            assertThat(diagnosis.vtiHelps()).as("vtiHelps of %s: %s", file.getFileName(), diagnosis.reason())
                    .isEqualTo(label.vtiGoverned().equals("yes"));
        }
        if (!label.xnuVersion().equals("-")) {
            assertThat(report.xnuVersion()).as("xnu version of %s", file.getFileName())
                    .contains(label.xnuVersion());
        }
    }

    @Test
    void every_corpus_file_has_exactly_one_label() throws IOException {
        Set<String> labelled = labels().map(Label::prefix).collect(Collectors.toSet());
        try (Stream<Path> files = Files.list(CORPUS.resolve("panics"))) {
            List<String> prefixes = files.map(f -> f.getFileName().toString().substring(0, 2)).sorted().toList();
            assertThat(prefixes).doesNotHaveDuplicates();
            assertThat(Set.copyOf(prefixes)).isEqualTo(labelled);
        }
    }

    private static Path fileFor(String prefix) throws IOException {
        try (Stream<Path> files = Files.list(CORPUS.resolve("panics"))) {
            List<Path> matching = files.filter(f -> f.getFileName().toString().startsWith(prefix + "-")).toList();
            assertThat(matching).as("corpus files for label %s", prefix).hasSize(1);
            return matching.get(0);
        }
    }

    private static Path corpusDir() {
        try {
            return Path.of(CorpusClassificationTest.class.getResource("/corpus/labels.tsv").toURI()).getParent();
        } catch (URISyntaxException | NullPointerException missing) {
            throw new UncheckedIOException(new IOException("test resource corpus/labels.tsv is missing", missing));
        }
    }

}
