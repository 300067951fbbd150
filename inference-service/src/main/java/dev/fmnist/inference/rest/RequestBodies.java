package dev.fmnist.inference.rest;

import io.quarkus.runtime.configuration.MemorySize;
import jakarta.inject.Singleton;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.zip.DataFormatException;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A request body read with its size bounded, before and after its {@code Content-Encoding}: the bytes
 * on the wire (chunked ones included) and the decoded bytes each count against the same limit, the
 * HTTP port's {@code quarkus.http.limits.max-body-size}. Decoding streams with a cap, so a compressed
 * bomb (100 MB of zeros is 100 KB of gzip) is refused 413 after at most the limit was inflated, never
 * inflated whole. Encodings as Triton takes them: {@code identity}, {@code gzip}, {@code deflate}
 * (zlib-wrapped as RFC 9110 says, or raw as some clients send it); any other is 415 naming it.
 */
@Singleton
public class RequestBodies {

    static final String CONTENT_ENCODING = "Content-Encoding";
    private static final int CHUNK = 64 * 1024;

    /** The HTTP port's body limit: Quarkus's for other routes, ours for the bodies of /v2. */
    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    MemorySize maxBodySize;

    /** The most bytes a body may have, on the wire and decoded. */
    long limit() {
        return maxBodySize.asLongValue();
    }

    /** {@link #read(InputStream, String, long)} with the HTTP port's limit. */
    byte[] read(InputStream body, String encoding) {
        return read(body, encoding, limit());
    }

    /** Whether a body with this {@code Content-Encoding} must be decoded (not identity). */
    static boolean encoded(String encoding) {
        return encoding != null && !encoding.isBlank() && !encoding.trim().equalsIgnoreCase("identity");
    }

    /** The body, decoded, at most {@code limit} bytes either way; a {@link RestErrors.Refusal} (413, 415, 400) otherwise. */
    static byte[] read(InputStream body, String encoding, long limit) {
        String name = encoding == null ? "identity" : encoding.trim().toLowerCase(Locale.ROOT);
        if (!name.isEmpty() && !name.equals("identity") && !name.equals("gzip") && !name.equals("x-gzip")
                && !name.equals("deflate")) {
            throw new RestErrors.Refusal(415, "Content-Encoding: '" + encoding + "' is not supported (accepted: "
                    + "gzip, deflate, identity)");
        }
        byte[] wire = capped(body, limit, "body: more than " + limit + " bytes (the HTTP port's body limit)");
        if (!encoded(name)) {
            return wire;
        }
        String decoded = "body: more than " + limit + " bytes once " + name + "-decoded (the HTTP port's body limit)";
        try {
            if (name.endsWith("gzip")) {
                try (InputStream gzip = new GZIPInputStream(new ByteArrayInputStream(wire), CHUNK)) {
                    return capped(gzip, limit, decoded);
                }
            }
            return inflate(wire, limit, decoded);
        } catch (ZipException | EOFException e) {
            throw new RestErrors.Refusal(400, "body: not valid " + name + " data: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** deflate: zlib-wrapped (RFC 1950) when its header says so, else raw (RFC 1951). */
    private static byte[] inflate(byte[] wire, long limit, String tooLarge) throws IOException {
        boolean zlib = wire.length >= 2 && (wire[0] & 0x0f) == 8 && (((wire[0] & 0xff) << 8) | (wire[1] & 0xff)) % 31 == 0;
        Inflater inflater = new Inflater(!zlib);
        try (InputStream in = new InflaterInputStream(new ByteArrayInputStream(wire), inflater, CHUNK)) {
            byte[] out = capped(in, limit, tooLarge);
            if (!inflater.finished()) {
                throw new ZipException("truncated stream");
            }
            return out;
        } finally {
            inflater.end();
        }
    }

    /** At most {@code limit} bytes of {@code in}; a 413 refusal as soon as one more arrives. */
    private static byte[] capped(InputStream in, long limit, String tooLarge) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] chunk = new byte[CHUNK];
        long total = 0;
        try {
            int n;
            while ((n = in.read(chunk)) != -1) {
                total += n;
                if (total > limit) {
                    throw new RestErrors.Refusal(413, tooLarge);
                }
                out.write(chunk, 0, n);
            }
        } catch (ZipException | EOFException e) {
            throw new RestErrors.Refusal(400, "body: not valid compressed data: " + e.getMessage());
        } catch (IOException e) {
            if (e.getCause() instanceof DataFormatException) {
                throw new RestErrors.Refusal(400, "body: not valid compressed data: " + e.getCause().getMessage());
            }
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
