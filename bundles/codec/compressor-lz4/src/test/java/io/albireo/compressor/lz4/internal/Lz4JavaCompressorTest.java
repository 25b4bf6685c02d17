package io.albireo.compressor.lz4.internal;

import io.albireo.api.codec.Compressor;
import io.albireo.api.codec.CompressorContract;
import net.jpountz.lz4.LZ4Factory;

/** The contract again with lz4-java's Java port, the bundle's fallback where the native library does not load. */
class Lz4JavaCompressorTest extends CompressorContract {
    private final Lz4Compressor lz4 = new Lz4Compressor(LZ4Factory.fastestJavaInstance());

    @Override
    protected Compressor compressor() {
        return lz4;
    }

    /** LZ4's window: a match reaches back at most 64 KiB. */
    @Override
    protected int block() {
        return 64 << 10;
    }
}
