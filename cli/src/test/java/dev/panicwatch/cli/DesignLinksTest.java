package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Code, schemas and docs cite sections of docs/design.md by anchor ({@code docs/design.md#advice-rules}); a renamed
 * section must not leave them pointing nowhere.
 */
class DesignLinksTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path THE_DOCUMENT = ROOT.resolve("docs/design.md");
    private static final Pattern CITATION = Pattern.compile("design\\.md#([a-z0-9-]+)");
    private static final Pattern IN_PAGE_LINK = Pattern.compile("\\]\\(#([a-z0-9-]+)\\)");
    private static final Pattern ANCHOR = Pattern.compile("<a id=\"([a-z0-9-]+)\"></a>");
    /** Build output, the frozen released schemas and version control hold nothing to keep in step. */
    private static final Set<String> SKIPPED = Set.of("target", ".git", "released", "node_modules");

    @Test
    void every_cited_section_of_the_design_exists() throws IOException {
        Set<String> anchors = anchors(Files.readString(THE_DOCUMENT));
        List<String> dangling = new ArrayList<>();
        int citations = 0;
        for (Path file : textFiles()) {
            String text = read(file);
            Matcher cited = CITATION.matcher(text);
            while (cited.find()) {
                citations++;
                if (!anchors.contains(cited.group(1))) {
                    dangling.add(ROOT.relativize(file) + " cites #" + cited.group(1));
                }
            }
        }

        assertThat(citations).as("citations of docs/design.md found").isGreaterThan(20);
        assertThat(dangling).as("anchors defined: %s", anchors).isEmpty();
    }

    @Test
    void the_design_links_only_to_its_own_sections() throws IOException {
        String design = Files.readString(THE_DOCUMENT);
        Set<String> anchors = anchors(design);
        List<String> dangling = new ArrayList<>();
        Matcher link = IN_PAGE_LINK.matcher(design);
        while (link.find()) {
            if (!anchors.contains(link.group(1))) {
                dangling.add("#" + link.group(1));
            }
        }

        assertThat(dangling).isEmpty();
    }

    private static Set<String> anchors(String design) {
        Set<String> anchors = new TreeSet<>();
        Matcher anchor = ANCHOR.matcher(design);
        while (anchor.find()) {
            anchors.add(anchor.group(1));
        }
        return anchors;
    }

    private static List<Path> textFiles() throws IOException {
        try (Stream<Path> all = Files.walk(ROOT)) {
            return all.filter(Files::isRegularFile)
                    .filter(f -> Stream.of(ROOT.relativize(f).toString().split("/")).noneMatch(SKIPPED::contains))
                    .filter(f -> f.toString().matches(".*\\.(java|md|avsc|json|yml|xml|js|html)$"))
                    .toList();
        }
    }

    private static String read(Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (MalformedInputException notUtf8) {
            return ""; // no citation lives in a file that is not text
        }
    }
}
