package dev.fmnist.contract.checkpoints;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.fmnist.contract.schemas.ContractSchema;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The checkpoint manifest: its schema is the record, hostile records are refused by field, keys never collide. */
class CheckpointManifestTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SHA = "ab".repeat(32);

    static CheckpointManifest sample() {
        return new CheckpointManifest("exp-1/k=3", "a1-e2-b0-7f3c", "host-1-42", 1, 2, 0, 3,
                2L * CheckpointManifest.CHUNK_BYTES + 17, SHA, "fp-0123", "2026-12-06T10:00:00Z");
    }

    private static JsonNode schema() throws IOException {
        try (InputStream in = ContractSchema.CHECKPOINT_MANIFEST.open()) {
            return JSON.readTree(in);
        }
    }

    @Test
    void theSchemaIsTheRecordWithItsBoundsAndAManifestAsWrittenMatchesIt() throws IOException {
        JsonNode schema = schema();
        Set<String> components = new TreeSet<>();
        Arrays.stream(CheckpointManifest.class.getRecordComponents()).map(RecordComponent::getName)
                .forEach(components::add);
        Set<String> properties = new TreeSet<>();
        schema.get("properties").fieldNames().forEachRemaining(properties::add);
        assertThat(properties).isEqualTo(components);
        List<String> required = new ArrayList<>();
        schema.get("required").forEach(r -> required.add(r.asText()));
        assertThat(new TreeSet<>(required)).as("every field is required").isEqualTo(components);
        assertThat(schema.at("/properties/chunks/maximum").asInt()).isEqualTo(CheckpointManifest.MAX_CHUNKS);
        assertThat(schema.at("/properties/totalBytes/maximum").asLong()).isEqualTo(CheckpointManifest.MAX_BYTES);
        assertThat(schema.get("description").asText()).contains(Integer.toString(CheckpointManifest.CHUNK_BYTES));

        JsonSchema validator = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schema);
        JsonNode written = JSON.readTree(sample().toJson());
        assertThat(validator.validate(written)).isEmpty();
        assertThat(CheckpointManifest.parse(CheckpointManifest.manifestKey("exp-1/k=3"), sample().toJson()))
                .isEqualTo(sample());
    }

    @Test
    void aRecordThatIsNoManifestIsRefusedNamingTheField() throws IOException {
        String key = CheckpointManifest.manifestKey("exp-1/k=3");
        assertRefused(key, with("chunks", 2), "chunks");
        assertRefused(key, with("chunks", 100_000), "chunks");
        assertRefused(key, with("totalBytes", CheckpointManifest.MAX_BYTES + 1), "totalBytes");
        assertRefused(key, with("totalBytes", 0), "totalBytes");
        assertRefused(key, with("sha256", "AB".repeat(32)), "sha256");
        assertRefused(key, with("epoch", -1), "epoch");
        assertRefused(key, with("attempt", 0), "attempt");
        assertRefused(key, with("checkpointId", "../x"), "checkpointId");
        assertRefused(key, with("createdAt", "yesterday"), "createdAt");
        assertRefused(key, with("fingerprint", null), "fingerprint");
        assertRefused(key, with("experimentId", "exp#2"), "experimentId");
        assertRefused(CheckpointManifest.manifestKey("exp-2"), sample().toJson(), "experimentId");
        ObjectNode noEpoch = (ObjectNode) JSON.readTree(sample().toJson());
        noEpoch.remove("epoch");
        assertRefused(key, JSON.writeValueAsBytes(noEpoch), "epoch");
        assertRefused(key, "[1]".getBytes(StandardCharsets.UTF_8), "CheckpointManifest");
        assertRefused(key, "null".getBytes(StandardCharsets.UTF_8), "null");
        assertThatThrownBy(() -> CheckpointManifest.parse(key, null)).hasMessageContaining("tombstone");
    }

    @Test
    void keysSayTheirExperimentAndNoRunsKeysAreAnothersOrOneAnothers() {
        String manifest = CheckpointManifest.manifestKey("exp-1");
        String chunk = CheckpointManifest.chunkKey("exp-1", "c1", 0);
        assertThat(CheckpointManifest.experimentOf(manifest)).contains("exp-1");
        assertThat(CheckpointManifest.experimentOf(chunk)).contains("exp-1");
        assertThat(CheckpointManifest.experimentOf("exp-1")).isEmpty();
        assertThat(CheckpointManifest.isChunkKey(chunk, "exp-1")).isTrue();
        assertThat(CheckpointManifest.isChunkKey(chunk, "exp")).as("a prefix of the id").isFalse();
        assertThat(CheckpointManifest.isManifestKey(manifest, "exp-1")).isTrue();
        assertThat(CheckpointManifest.isManifestKey(manifest, "exp")).isFalse();
        // a child's id holds '/' and '=', never '#': its keys are its own
        assertThat(CheckpointManifest.experimentOf(CheckpointManifest.chunkKey("exp-1/k=3", "c1", 2)))
                .contains("exp-1/k=3");
        assertThat(CheckpointManifest.chunksFor(1)).isEqualTo(1);
        assertThat(CheckpointManifest.chunksFor(CheckpointManifest.CHUNK_BYTES)).isEqualTo(1);
        assertThat(CheckpointManifest.chunksFor(CheckpointManifest.CHUNK_BYTES + 1L)).isEqualTo(2);
    }

    private static byte[] with(String field, Object value) throws IOException {
        ObjectNode node = (ObjectNode) JSON.readTree(sample().toJson());
        node.set(field, JSON.valueToTree(value));
        return JSON.writeValueAsBytes(node);
    }

    private static void assertRefused(String key, byte[] json, String naming) {
        assertThatThrownBy(() -> CheckpointManifest.parse(key, json)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(naming);
    }
}
