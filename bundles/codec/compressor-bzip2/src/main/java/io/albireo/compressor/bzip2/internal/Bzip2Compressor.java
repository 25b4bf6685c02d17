package io.albireo.compressor.bzip2.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.osgi.service.component.annotations.Component;

import io.albireo.api.AlbireoName;
import io.albireo.api.Implementation;
import io.albireo.api.IntegrityException;
import io.albireo.api.codec.CompressedForm;
import io.albireo.api.codec.Compressor;

/**
 * bzip2 through Apache Commons Compress (the JDK has none; Commons Compress is pure Java and an OSGi bundle). The
 * payload is a standard bzip2 stream, which {@code bzip2 -d} reads. Slow, and compresses text best of Albireo's
 * compressors: for cold data.
 *
 * <p>The level is the block size, in 100 000 bytes (1 to 9; default 9 as in the bzip2 command, as larger blocks
 * compress better at about the same speed). An input that fits a smaller block gets that block: the compressor and
 * every reader allocate memory for the block size in the stream header (about 4 MB to read at 9), and a small input
 * would pay for all of it.
 */
@Component
@AlbireoName(Bzip2Compressor.NAME)
@Implementation("commons-compress")
public final class Bzip2Compressor implements Compressor {
    /** The algorithm's name. */
    public static final String NAME = "bzip2";
    static final Levels LEVELS = new Levels(BZip2CompressorOutputStream.MIN_BLOCKSIZE,
            BZip2CompressorOutputStream.MAX_BLOCKSIZE, BZip2CompressorOutputStream.MAX_BLOCKSIZE);
    /**
     * The most original bytes one payload byte can stand for. bzip2's first stage stores up to 255 equal bytes in 5,
     * so a block of 900 000 restores about 46 MB, and such a block encodes in a few dozen bytes: bzip2 -9 makes 785
     * bytes of 1 GiB of zeros (1.4 million to 1). 2^22 leaves a margin.
     */
    static final long MAX_EXPANSION = 1 << 22;
    /** Commons Compress fills a block up to 100 000 times its block size less these bytes. */
    private static final int BLOCK_RESERVE = 20;

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
            // The block size that holds the whole input even if bzip2's first stage grows it by a quarter, if that is
            // below the level: one block either way, so the same compression with less memory for writer and readers.
            int needed = (int) ((in.remaining() * 5L / 4 + BLOCK_RESERVE + 99_999) / 100_000);
            int blockSize = Math.max(LEVELS.min(), Math.min(level, needed));
            Sink sink = new Sink(out);
            try (BZip2CompressorOutputStream bzip2 = new BZip2CompressorOutputStream(sink, blockSize)) {
                if (in.hasArray()) {
                    bzip2.write(in.array(), in.arrayOffset() + in.position(), in.remaining());
                } else {
                    byte[] chunk = new byte[Math.min(in.remaining(), 64 << 10)];
                    while (in.hasRemaining()) {
                        int n = Math.min(chunk.length, in.remaining());
                        in.get(chunk, 0, n);
                        bzip2.write(chunk, 0, n);
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
            try (InputStream bzip2 = new BZip2CompressorInputStream(stream(payload), false)) {
                int n = bzip2.readNBytes(out.array(), out.arrayOffset() + out.position(), out.remaining());
                if (bzip2.read() != -1) {
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

    /**
     * Writes into the stored form's payload space and notes when it overflows rather than throwing, so the
     * compressor still finishes and frees its memory normally; the caller then stores the input raw.
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
            // Commons Compress writes its bit stream a byte at a time: this is the hot path.
            if (overflowed || !out.hasRemaining()) {
                overflowed = true;
                return;
            }
            out.put((byte) b);
            written++;
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
