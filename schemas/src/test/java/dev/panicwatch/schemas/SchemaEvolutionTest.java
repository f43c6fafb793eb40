package dev.panicwatch.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/**
 * What the registry's BACKWARD rule promises for our contracts: adding an optional field with a default lets old
 * readers read new records and new readers read old records.
 */
class SchemaEvolutionTest {

    /** PanicReport as a later release might have it: one more optional field. */
    private static Schema newerPanicReport() {
        Schema current = PanicReport.getClassSchema();
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : current.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.add(new Schema.Field("hypervisor",
                Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING)),
                "Hypervisor kind, added in a later version.", Schema.Field.NULL_DEFAULT_VALUE));
        return Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, fields);
    }

    @Test
    void oldReaderReadsRecordWrittenWithNewerSchema() throws IOException {
        Schema newer = newerPanicReport();
        PanicReport original = SampleRecords.panicReport("pve1/104");
        // Build the newer record field by field from the current one, plus the new field.
        GenericRecord newerRecord = new GenericData.Record(newer);
        for (Schema.Field f : PanicReport.getClassSchema().getFields()) {
            newerRecord.put(f.name(), GenericData.get().deepCopy(f.schema(), toGeneric(original).get(f.name())));
        }
        newerRecord.put("hypervisor", "qemu-kvm");
        byte[] bytes = write(newer, newerRecord);

        PanicReport read = new SpecificDatumReader<PanicReport>(newer, PanicReport.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(bytes, null));

        assertThat(read).isEqualTo(original);
    }

    @Test
    void newReaderReadsRecordWrittenWithOldSchemaAndFillsTheDefault() throws IOException {
        Schema newer = newerPanicReport();
        PanicReport original = SampleRecords.panicReport("pve1/104");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(PanicReport.class).write(original, encoder);
        encoder.flush();

        GenericRecord read = new GenericDatumReader<GenericRecord>(PanicReport.getClassSchema(), newer)
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));

        assertThat(read.get("hypervisor")).isNull();
        assertThat(read.get("vmId").toString()).isEqualTo("pve1/104");
        assertThat(read.get("xnuVersion").toString()).isEqualTo("xnu-6153.121.2");
    }

    @Test
    void avroAgreesTheChangeIsCompatibleBothWaysButARequiredFieldIsNot() {
        Schema current = PanicReport.getClassSchema();
        Schema newer = newerPanicReport();
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(newer, current).getType())
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(current, newer).getType())
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);

        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : current.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.add(new Schema.Field("mandatory", Schema.create(Schema.Type.STRING), "no default", (Object) null));
        Schema breaking = Schema.createRecord(current.getName(), null, current.getNamespace(), false, fields);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(breaking, current).getType())
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.INCOMPATIBLE);
    }

    private static GenericRecord toGeneric(PanicReport report) throws IOException {
        byte[] bytes = write(PanicReport.getClassSchema(), report);
        return new GenericDatumReader<GenericRecord>(PanicReport.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(bytes, null));
    }

    private static byte[] write(Schema schema, Object record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        if (record instanceof PanicReport) {
            new SpecificDatumWriter<PanicReport>(schema).write((PanicReport) record, encoder);
        } else {
            new GenericDatumWriter<GenericRecord>(schema).write((GenericRecord) record, encoder);
        }
        encoder.flush();
        return out.toByteArray();
    }
}
