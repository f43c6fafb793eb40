package dev.panicwatch.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;
import org.apache.avro.SchemaParser;
import org.junit.jupiter.api.Test;

/**
 * Each committed schema must read what the last release wrote, as the registry's BACKWARD rule demands: records
 * already in the topics were written with the released schemas, and the app registers the current ones at start-up.
 * See schemas/released/README.md.
 */
class ReleasedSchemaCompatibilityTest {

    private static final Path CURRENT = Path.of("src/main/avro");
    private static final Path RELEASED = Path.of("released");
    /** Schemas added since the newest release, one full name a line ('#' starts a comment); see the README. */
    private static final Path UNRELEASED = RELEASED.resolve("unreleased.txt");

    @Test
    void every_current_schema_reads_what_the_newest_release_wrote() {
        Path newest = newestRelease();
        Map<String, Schema> released = schemasIn(newest);
        Map<String, Schema> current = schemasIn(CURRENT);

        assertThat(released).as("schemas of release %s", newest.getFileName()).isNotEmpty();
        assertThat(backwardProblems(released, current)).as("against release %s", newest.getFileName()).isEmpty();
    }

    /**
     * A schema with no released counterpart has nothing to be compatible with, so it must be declared new: an
     * undeclared one is more likely a renamed schema (whose released records would be stranded), and a declared one
     * that now has a release (or no longer exists) means the list is stale.
     */
    @Test
    void schemas_without_a_release_are_exactly_the_ones_declared_new() {
        Set<String> undeclared = new TreeSet<>(schemasIn(CURRENT).keySet());
        undeclared.removeAll(schemasIn(newestRelease()).keySet());

        assertThat(undeclared).as("current schemas not in release %s, against %s", newestRelease().getFileName(),
                UNRELEASED).isEqualTo(declaredNew());
    }

    /** Every field of every current record has a doc: the schemas are the contract people read in the registry. */
    @Test
    void every_field_has_a_doc() {
        List<String> undocumented = new ArrayList<>();
        schemasIn(CURRENT).values().stream().filter(s -> s.getType() == Schema.Type.RECORD).forEach(record ->
                record.getFields().stream().filter(f -> f.doc() == null || f.doc().isBlank())
                        .forEach(f -> undocumented.add(record.getFullName() + "." + f.name())));

        assertThat(undocumented).isEmpty();
    }

    @Test
    void a_new_required_field_and_a_dropped_schema_are_both_reported() {
        Map<String, Schema> released = schemasIn(newestRelease());
        Map<String, Schema> current = new TreeMap<>(released);
        Schema report = current.get("dev.panicwatch.schemas.PanicReport");
        List<Schema.Field> fields = new ArrayList<>();
        report.getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
        fields.add(new Schema.Field("hypervisor", Schema.create(Schema.Type.STRING), "no default", (Object) null));
        current.put(report.getFullName(), Schema.createRecord(report.getName(), report.getDoc(),
                report.getNamespace(), false, fields));
        current.remove("dev.panicwatch.schemas.HostLoadSample");

        List<String> problems = backwardProblems(released, current);

        assertThat(problems).hasSize(2);
        assertThat(problems.get(0)).startsWith("dev.panicwatch.schemas.HostLoadSample: released but no longer defined");
        assertThat(problems.get(1)).startsWith("dev.panicwatch.schemas.PanicReport: ").contains("hypervisor");
    }

    /** One line per released schema that the current set cannot read, naming the schema and Avro's reason. */
    private static List<String> backwardProblems(Map<String, Schema> released, Map<String, Schema> current) {
        List<String> problems = new ArrayList<>();
        released.forEach((name, writer) -> {
            Schema reader = current.get(name);
            if (reader == null) {
                problems.add(name + ": released but no longer defined, so its records cannot be read");
                return;
            }
            SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
            if (result.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                problems.add(name + ": " + result.getResult().getIncompatibilities());
            }
        });
        return problems;
    }

    private static Set<String> declaredNew() {
        try {
            return Files.readAllLines(UNRELEASED).stream().map(l -> l.replaceAll("#.*", "").strip())
                    .filter(l -> !l.isEmpty()).collect(Collectors.toCollection(TreeSet::new));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + UNRELEASED.toAbsolutePath(), e);
        }
    }

    /** The named schemas of a folder's .avsc files by full name; files may refer to each other in any order. */
    private static Map<String, Schema> schemasIn(Path folder) {
        SchemaParser parser = new SchemaParser();
        List<SchemaParser.ParseResult> parsed = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".avsc")).sorted().toList()) {
                parsed.add(parser.parse(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the schemas in " + folder.toAbsolutePath(), e);
        }
        Map<String, Schema> byName = new TreeMap<>();
        for (SchemaParser.ParseResult result : parsed) {
            Schema schema = parser.resolve(result);
            byName.put(schema.getFullName(), schema);
        }
        return byName;
    }

    private static Path newestRelease() {
        try (Stream<Path> versions = Files.list(RELEASED)) {
            return versions.filter(Files::isDirectory).max(Comparator.comparing(
                    (Path p) -> p.getFileName().toString(), ReleasedSchemaCompatibilityTest::compareVersions))
                    .orElseThrow(() -> new IllegalStateException("no release folder in " + RELEASED.toAbsolutePath()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + RELEASED.toAbsolutePath(), e);
        }
    }

    /** 0.10.0 is newer than 0.9.0: compares the dotted numbers as numbers. */
    private static int compareVersions(String a, String b) {
        String[] left = a.split("\\.");
        String[] right = b.split("\\.");
        for (int i = 0; i < Math.min(left.length, right.length); i++) {
            int byPart = Integer.compare(Integer.parseInt(left[i]), Integer.parseInt(right[i]));
            if (byPart != 0) {
                return byPart;
            }
        }
        return Integer.compare(left.length, right.length);
    }
}
