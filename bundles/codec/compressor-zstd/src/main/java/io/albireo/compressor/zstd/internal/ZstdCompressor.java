package io.albireo.compressor.zstd.internal;

import java.nio.ByteBuffer;

import org.osgi.service.component.annotations.Component;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;

import io.albireo.api.AlbireoName;
import io.albireo.api.Implementation;
import io.albireo.api.codec.CompressedForm;
import io.albireo.api.codec.Compressor;

/**
 * Zstandard through zstd-jni, the reference C library: twice as fast as the pure Java port (aircompressor), which
 * also has only level 3 (see LibraryComparisonBenchmark). The payload is one zstd frame with its content size
 * and without zstd's own checksum, which the fragment checksum makes redundant.
 *
 * <p>Levels 1 to 19; the default 3 is zstd's. The "ultra" levels 20 to 22 are not offered: they need hundreds of MB
 * per call on large inputs for a few percent. Each call has its own zstd context, so calls on many threads never
 * share state; a context costs little next to the fragments Albireo compresses (hundreds of KiB and up).
 */
@Component
@AlbireoName(ZstdCompressor.NAME)
@Implementation("zstd-jni")
public final class ZstdCompressor implements Compressor {
    /** The algorithm's name. */
    public static final String NAME = "zstd";
    static final Levels LEVELS = new Levels(1, 19, 3);
    /**
     * The most original bytes one payload byte can stand for: an RLE block restores up to 128 KiB from 4 bytes, so
     * 32768; twice that for margin.
     */
    static final long MAX_EXPANSION = 1 << 16;

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
            // zstd-jni compresses array to array or direct to direct; the stored form is on the heap, so a direct
            // input is copied once (memcpy speed, small next to compression).
            byte[] src = in.hasArray() ? in.array() : copy(in);
            int srcOffset = in.hasArray() ? in.arrayOffset() + in.position() : 0;
            try (ZstdCompressCtx zstd = new ZstdCompressCtx()) {
                zstd.setLevel(level);
                return zstd.compressByteArray(out.array(), out.arrayOffset() + out.position(), out.remaining(),
                        src, srcOffset, in.remaining());
            } catch (ZstdException e) {
                if (e.getErrorCode() == Zstd.errDstSizeTooSmall()) {
                    return -1; // the payload would not be shorter than the input: stored raw
                }
                throw e;
            }
        });
    }

    @Override
    public ByteBuffer decompress(ByteBuffer stored) {
        return CompressedForm.decompress(NAME, stored, MAX_EXPANSION, (payload, out) -> {
            // zstd decodes into out's array and never writes past out.remaining(): a frame that would is an error.
            try (ZstdDecompressCtx zstd = new ZstdDecompressCtx()) {
                if (payload.hasArray()) {
                    return zstd.decompressByteArray(out.array(), out.arrayOffset() + out.position(), out.remaining(),
                            payload.array(), payload.arrayOffset() + payload.position(), payload.remaining());
                }
                if (payload.isDirect()) {
                    return zstd.decompressDirectByteBufferToByteArray(out.array(), out.arrayOffset() + out.position(),
                            out.remaining(), payload, payload.position(), payload.remaining());
                }
                return zstd.decompressByteArray(out.array(), out.arrayOffset() + out.position(), out.remaining(),
                        copy(payload), 0, payload.remaining());
            }
        });
    }

    /** @return the remaining bytes of a buffer without an accessible array; it does not move */
    private static byte[] copy(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
