package io.albireo.compressor.gzip.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import org.osgi.service.component.annotations.Component;

import io.albireo.api.AlbireoName;
import io.albireo.api.IntegrityException;
import io.albireo.api.Implementation;
import io.albireo.api.codec.CompressedForm;
import io.albireo.api.codec.Compressor;

/**
 * gzip through the JDK's java.util.zip, which is zlib in native code. Commons Compress's gzip streams drive the same
 * zlib through the same Deflater and Inflater, and measured no faster (LibraryComparisonBenchmark), so the JDK's
 * saves a dependency. The payload is one gzip member (RFC 1952), which {@code gzip -d} reads.
 *
 * <p>Levels 1 to 9, zlib's, default 6 as in the gzip command.
 */
@Component
@AlbireoName(GzipCompressor.NAME)
@Implementation("jdk")
public final class GzipCompressor implements Compressor {
    /** The algorithm's name. */
    public static final String NAME = "gzip";
    static final Levels LEVELS = new Levels(Deflater.BEST_SPEED, Deflater.BEST_COMPRESSION, 6);
    /**
     * The most original bytes one payload byte can stand for: deflate's longest match, 258 bytes, takes at least 2
     * bits, so 1032; about twice that for margin.
     */
    static final long MAX_EXPANSION = 2048;
    /** zlib's input and output chunks: large enough that per-call overhead does not show. */
    private static final int BUFFER = 64 << 10;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Levels levels() {
        return LEVELS;
    }

    @Override
    public ByteBuffer compress(ByteBuffer input, int level) {
        LEVELS.check(NAME, level);
        return CompressedForm.compress(input, (in, out) -> {
            Sink sink = new Sink(out);
            try (GZIPOutputStream gzip = new LevelledGzip(sink, level)) {
                if (in.hasArray()) {
                    gzip.write(in.array(), in.arrayOffset() + in.position(), in.remaining());
                } else {
                    byte[] chunk = new byte[Math.min(in.remaining(), BUFFER)];
                    while (in.hasRemaining()) {
                        int n = Math.min(chunk.length, in.remaining());
                        in.get(chunk, 0, n);
                        gzip.write(chunk, 0, n);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e); // in memory: never
            }
            return sink.overflowed ? -1 : sink.written;
        });
    }

    @Override
    public ByteBuffer decompress(ByteBuffer stored) {
        return CompressedForm.decompress(NAME, stored, MAX_EXPANSION, (payload, out) -> {
            // GZIPInputStream checks the member's CRC-32 and length, and ends its Inflater's native memory on close.
            try (InputStream gzip = new GZIPInputStream(stream(payload), BUFFER)) {
                int n = gzip.readNBytes(out.array(), out.arrayOffset() + out.position(), out.remaining());
                if (gzip.read() != -1) {
                    throw new IntegrityException(NAME + ": compressed payload decodes to more than the " + n
                            + " bytes its header says");
                }
                return n;
            }
        });
    }

    private static InputStream stream(ByteBuffer payload) {
        if (payload.hasArray()) {
            return new ByteArrayInputStream(payload.array(), payload.arrayOffset() + payload.position(),
                    payload.remaining());
        }
        byte[] bytes = new byte[payload.remaining()];
        payload.duplicate().get(bytes);
        return new ByteArrayInputStream(bytes);
    }

    /** GZIPOutputStream with a level: its Deflater is protected, and no data has passed it when this sets it. */
    private static final class LevelledGzip extends GZIPOutputStream {
        LevelledGzip(OutputStream out, int level) throws IOException {
            super(out, BUFFER);
            def.setLevel(level);
        }
    }

    /**
     * Writes into the stored form's payload space and notes when it overflows rather than throwing, so the
     * GZIPOutputStream still finishes and ends its Deflater's native memory normally; the input is then stored raw.
     */
    private static final class Sink extends OutputStream {
        private final ByteBuffer out;
        private int written;
        private boolean overflowed;

        Sink(ByteBuffer out) {
            this.out = out;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (overflowed || len > out.remaining()) {
                overflowed = true;
                return;
            }
            out.put(b, off, len);
            written += len;
        }
    }
}
