package io.albireo.compressor.snappy.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

import org.osgi.service.component.annotations.Component;
import org.xerial.snappy.Snappy;

import io.albireo.api.AlbireoName;
import io.albireo.api.Implementation;
import io.albireo.api.IntegrityException;
import io.albireo.api.codec.CompressedForm;
import io.albireo.api.codec.Compressor;

/**
 * Snappy through snappy-java, which calls Google's C++ library through JNI: 1.2 to 1.4 times as fast to compress as
 * the pure Java port in aircompressor, as fast or faster to decompress (LibraryComparisonBenchmark). The payload is
 * one raw snappy block (its own length preamble, then the elements), as {@code Snappy.rawCompress} writes it. No
 * levels.
 *
 * <p>snappy-java's array calls pass raw pointers to C++ without checking the arrays' bounds, so this class does: it
 * compresses into a buffer of snappy's worst-case size, and decompresses only after the block's own length preamble
 * matched the stored form's header, since the C++ decoder writes as many bytes as the preamble says.
 */
@Component
@AlbireoName(SnappyCompressor.NAME)
@Implementation("snappy-java")
public final class SnappyCompressor implements Compressor {
    /** The algorithm's name. */
    public static final String NAME = "snappy";
    /**
     * The most original bytes one payload byte can stand for: a 3-byte copy element restores at most 64 bytes, so
     * about 21; 32 for margin.
     */
    static final long MAX_EXPANSION = 32;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Levels levels() {
        return Levels.NONE;
    }

    @Override
    public ByteBuffer compress(ByteBuffer input, int level) {
        Levels.NONE.check(NAME, level);
        return CompressedForm.compress(input, (in, out) -> {
            byte[] src = in.hasArray() ? in.array() : copy(in);
            int srcOffset = in.hasArray() ? in.arrayOffset() + in.position() : 0;
            byte[] block = new byte[Snappy.maxCompressedLength(in.remaining())];
            int length;
            try {
                length = Snappy.rawCompress(src, srcOffset, in.remaining(), block, 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e); // only when the native library fails
            }
            if (length > out.remaining()) {
                return -1; // not shorter than the input: stored raw
            }
            out.put(block, 0, length);
            return length;
        });
    }

    @Override
    public ByteBuffer decompress(ByteBuffer stored) {
        return CompressedForm.decompress(NAME, stored, MAX_EXPANSION, (payload, out) -> {
            byte[] src = payload.hasArray() ? payload.array() : copy(payload);
            int srcOffset = payload.hasArray() ? payload.arrayOffset() + payload.position() : 0;
            int length = Snappy.uncompressedLength(src, srcOffset, payload.remaining());
            if (length != out.remaining()) {
                throw new IntegrityException(NAME + ": snappy block says it holds " + length
                        + " bytes, the stored form's header says " + out.remaining());
            }
            return Snappy.rawUncompress(src, srcOffset, payload.remaining(), out.array(),
                    out.arrayOffset() + out.position());
        });
    }

    /** @return the remaining bytes of a buffer without an accessible array; it does not move */
    private static byte[] copy(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
