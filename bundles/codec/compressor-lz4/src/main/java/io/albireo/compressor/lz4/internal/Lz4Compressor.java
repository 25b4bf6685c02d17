package io.albireo.compressor.lz4.internal;

import java.nio.ByteBuffer;

import org.osgi.service.component.annotations.Component;
import org.slf4j.LoggerFactory;

import io.albireo.api.AlbireoName;
import io.albireo.api.Implementation;
import io.albireo.api.codec.CompressedForm;
import io.albireo.api.codec.Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * LZ4 through lz4-java, which calls the C library through JNI (and falls back to its own Java port where the native
 * library does not load). The payload is one raw LZ4 block; the stored form's header gives its decoded length, which
 * bounds the decoder.
 *
 * <p>Levels follow the lz4 command: 1 (the default) is LZ4's fast mode, 2 to 12 are LZ4 HC levels, slower to compress
 * and as fast to decompress. lz4-java's compressors and its safe decompressor keep no state between calls, so one of
 * each serves every thread.
 *
 * <p>lz4-java's {@code fastestInstance()} tries its native library only when loaded by the system class loader, so in
 * OSGi it silently returns the Java port, three times slower to compress and six to eight times slower to decompress
 * text and code; this asks for the native one explicitly.
 */
@Component
@AlbireoName(Lz4Compressor.NAME)
@Implementation("lz4-java")
public final class Lz4Compressor implements Compressor {
    /** The algorithm's name. */
    public static final String NAME = "lz4";
    static final Levels LEVELS = new Levels(1, 12, 1);
    /**
     * The most original bytes one payload byte can stand for: a match's length grows by 255 per extra byte, so 255;
     * twice that for margin.
     */
    static final long MAX_EXPANSION = 512;

    /** Index 1 is the fast compressor, 2 to 12 the HC levels. */
    private final net.jpountz.lz4.LZ4Compressor[] compressors = new net.jpountz.lz4.LZ4Compressor[LEVELS.max() + 1];
    private final LZ4SafeDecompressor decompressor;
    private final LZ4Factory factory;

    /** Uses lz4-java's native implementation where it loads, else its fastest Java port. */
    public Lz4Compressor() {
        this(nativeOrJava());
    }

    /** @param factory the lz4-java implementation to use */
    Lz4Compressor(LZ4Factory factory) {
        this.factory = factory;
        compressors[1] = factory.fastCompressor();
        for (int level = 2; level <= LEVELS.max(); level++) {
            compressors[level] = factory.highCompressor(level);
        }
        // The safe decompressor checks every offset and length against the buffers it is given.
        decompressor = factory.safeDecompressor();
    }

    private static LZ4Factory nativeOrJava() {
        try {
            return LZ4Factory.nativeInstance();
        } catch (LinkageError | RuntimeException e) { // no native library for this platform, or it would not load
            LZ4Factory java = LZ4Factory.fastestJavaInstance();
            LoggerFactory.getLogger(Lz4Compressor.class).warn("lz4: lz4-java's native library does not load ({});"
                    + " using {}, which is slower", e.toString(), java);
            return java;
        }
    }

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
        net.jpountz.lz4.LZ4Compressor lz4 = compressors[level];
        return CompressedForm.compress(input, (in, out) -> {
            try {
                return lz4.compress(in, in.position(), in.remaining(), out, out.position(), out.remaining());
            } catch (LZ4Exception e) {
                return -1; // the block does not fit in fewer bytes than the input: stored raw
            }
        });
    }

    @Override
    public ByteBuffer decompress(ByteBuffer stored) {
        return CompressedForm.decompress(NAME, stored, MAX_EXPANSION, (payload, out) -> decompressor.decompress(
                payload, payload.position(), payload.remaining(), out, out.position(), out.remaining()));
    }

    /** @return which lz4-java implementation this uses, e.g. "lz4 (LZ4Factory:JNI)" */
    @Override
    public String toString() {
        return NAME + " (" + factory + ")";
    }
}
