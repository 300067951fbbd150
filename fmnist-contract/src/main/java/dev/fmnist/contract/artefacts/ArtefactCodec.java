package dev.fmnist.contract.artefacts;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Writes and reads artefacts: a zip of {@code manifest.json} and {@code parameters.djl}, readable with
 * any unzip. Reading verifies the parameters' sha256 against the manifest and that the manifest names
 * a known network; the engine's {@code ArtefactModels} then checks every parameter against that network.
 */
public final class ArtefactCodec {

    public static final String MANIFEST_ENTRY = "manifest.json";
    public static final String PARAMETERS_ENTRY = "parameters.djl";
    /** Far above BetterNet's 9.4 MB; stops a hostile zip from inflating without bound. */
    public static final int MAX_ENTRY_BYTES = 64 * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ArtefactCodec() {}

    public static byte[] encode(ModelArtefact artefact) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry(MANIFEST_ENTRY));
            zip.write(JSON.writeValueAsBytes(artefact.manifest()));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry(PARAMETERS_ENTRY));
            zip.write(artefact.parameters());
            zip.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode artefact", e);
        }
        return bytes.toByteArray();
    }

    /** Reads and verifies an artefact; anything wrong is an {@link ArtefactException} saying what. */
    public static ModelArtefact decode(byte[] bytes) {
        byte[] manifestBytes = null;
        byte[] parameters = null;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                switch (entry.getName()) {
                    case MANIFEST_ENTRY -> manifestBytes = readBounded(zip, entry.getName());
                    case PARAMETERS_ENTRY -> parameters = readBounded(zip, entry.getName());
                    default -> throw new ArtefactException("unexpected entry '" + entry.getName() + "' in artefact");
                }
            }
        } catch (IOException e) {
            throw new ArtefactException("not a readable artefact zip: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) { // ZipInputStream's own word for an entry name that is no UTF-8
            throw new ArtefactException("not a readable artefact zip: " + e.getMessage(), e);
        }
        if (manifestBytes == null || parameters == null) {
            throw new ArtefactException("artefact lacks " + (manifestBytes == null ? MANIFEST_ENTRY : PARAMETERS_ENTRY)
                    + (bytes.length == 0 ? " (empty input)" : ""));
        }
        return ModelArtefact.of(parseManifest(manifestBytes), parameters);
    }

    /** The manifest alone, checked for format version and a known network. */
    public static ModelManifest parseManifest(byte[] json) {
        ModelManifest manifest;
        try {
            manifest = JSON.readValue(json, ModelManifest.class);
        } catch (IOException e) {
            throw new ArtefactException("manifest is not valid: " + e.getMessage(), e);
        }
        if (manifest.formatVersion() != ModelManifest.FORMAT_VERSION) {
            throw new ArtefactException("manifest formatVersion " + manifest.formatVersion() + " is not supported, "
                    + "expected " + ModelManifest.FORMAT_VERSION);
        }
        if (manifest.parametersSha256() == null || manifest.parametersSha256().isBlank()) {
            throw new ArtefactException("manifest lacks parametersSha256");
        }
        if (manifest.hyperParameters() == null) { // the recipe's dropout is part of the layers to rebuild
            throw new ArtefactException("manifest lacks hyperParameters");
        }
        if (manifest.testPredictedProblem() != null) {
            throw new ArtefactException("manifest: " + manifest.testPredictedProblem());
        }
        try {
            manifest.networkSpec();
        } catch (IllegalArgumentException e) {
            throw new ArtefactException("manifest names no known network: " + e.getMessage(), e);
        }
        return manifest;
    }

    private static byte[] readBounded(InputStream in, String name) throws IOException {
        byte[] content = in.readNBytes(MAX_ENTRY_BYTES + 1);
        if (content.length > MAX_ENTRY_BYTES) {
            throw new ArtefactException(name + " is larger than " + MAX_ENTRY_BYTES + " bytes");
        }
        return content;
    }
}
