package io.albireo.benchmarks.compress;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;
import org.xerial.snappy.Snappy;

import com.github.luben.zstd.Zstd;

import net.jpountz.lz4.LZ4Factory;

/**
 * The candidate libraries for each algorithm, called directly on heap arrays the way each one is fastest, so that
 * {@link LibraryComparisonBenchmark} compares the libraries and not Albireo's framing. zstd at level 3 (aircompressor
 * has no other), gzip at level 6, lz4 and snappy have no levels.
 */
final class Libraries {
    static final int ZSTD_LEVEL = 3;
    static final int GZIP_LEVEL = 6;

    private Libraries() {
    }

    /** One library's raw codec. Instances are used by one thread (aircompressor's are not thread-safe). */
    interface Codec {
        int maxCompressedLength(int length);

        /** @return the compressed length in {@code out} */
        int compress(byte[] in, int length, byte[] out) throws IOException;

        /** @return the decompressed length in {@code out}, which has room for exactly {@code originalLength} */
        int decompress(byte[] in, int length, byte[] out, int originalLength) throws IOException;
    }

    static Codec of(String library) {
        return switch (library) {
            case "zstd-jni" -> new ZstdJni();
            case "aircompressor-zstd" -> new Air(new io.airlift.compress.zstd.ZstdCompressor(),
                    new io.airlift.compress.zstd.ZstdDecompressor());
            case "lz4-java" -> new Lz4Java(LZ4Factory.nativeInstance());
            case "lz4-java-java" -> new Lz4Java(LZ4Factory.fastestJavaInstance());
            case "aircompressor-lz4" -> new Air(new io.airlift.compress.lz4.Lz4Compressor(),
                    new io.airlift.compress.lz4.Lz4Decompressor());
            case "snappy-java" -> new SnappyJava();
            case "aircompressor-snappy" -> new Air(new io.airlift.compress.snappy.SnappyCompressor(),
                    new io.airlift.compress.snappy.SnappyDecompressor());
            case "gzip-jdk" -> new GzipJdk();
            case "gzip-commons-compress" -> new GzipCommonsCompress();
            default -> throw new IllegalArgumentException("no library '" + library + "'");
        };
    }

    private static final class ZstdJni implements Codec {
        @Override
        public int maxCompressedLength(int length) {
            return (int) Zstd.compressBound(length);
        }

        @Override
        public int compress(byte[] in, int length, byte[] out) {
            return checked(Zstd.compressByteArray(out, 0, out.length, in, 0, length, ZSTD_LEVEL));
        }

        @Override
        public int decompress(byte[] in, int length, byte[] out, int originalLength) {
            return checked(Zstd.decompressByteArray(out, 0, originalLength, in, 0, length));
        }

        private static int checked(long result) {
            if (Zstd.isError(result)) {
                throw new IllegalStateException(Zstd.getErrorName(result));
            }
            return (int) result;
        }
    }

    /** lz4-java's JNI code, or ("lz4-java-java") its Java port, what it falls back to without the native library. */
    private static final class Lz4Java implements Codec {
        private final net.jpountz.lz4.LZ4Compressor compressor;
        private final net.jpountz.lz4.LZ4SafeDecompressor decompressor;

        Lz4Java(LZ4Factory factory) {
            compressor = factory.fastCompressor();
            decompressor = factory.safeDecompressor();
        }

        @Override
        public int maxCompressedLength(int length) {
            return compressor.maxCompressedLength(length);
        }

        @Override
        public int compress(byte[] in, int length, byte[] out) {
            return compressor.compress(in, 0, length, out, 0, out.length);
        }

        @Override
        public int decompress(byte[] in, int length, byte[] out, int originalLength) {
            return decompressor.decompress(in, 0, length, out, 0, originalLength);
        }
    }

    private static final class SnappyJava implements Codec {
        @Override
        public int maxCompressedLength(int length) {
            return Snappy.maxCompressedLength(length);
        }

        @Override
        public int compress(byte[] in, int length, byte[] out) throws IOException {
            return Snappy.rawCompress(in, 0, length, out, 0);
        }

        @Override
        public int decompress(byte[] in, int length, byte[] out, int originalLength) throws IOException {
            return Snappy.rawUncompress(in, 0, length, out, 0);
        }
    }

    private static final class Air implements Codec {
        private final io.airlift.compress.Compressor compressor;
        private final io.airlift.compress.Decompressor decompressor;

        Air(io.airlift.compress.Compressor compressor, io.airlift.compress.Decompressor decompressor) {
            this.compressor = compressor;
            this.decompressor = decompressor;
        }

        @Override
        public int maxCompressedLength(int length) {
            return compressor.maxCompressedLength(length);
        }

        @Override
        public int compress(byte[] in, int length, byte[] out) {
            return compressor.compress(in, 0, length, out, 0, out.length);
        }

        @Override
        public int decompress(byte[] in, int length, byte[] out, int originalLength) {
            return decompressor.decompress(in, 0, length, out, 0, originalLength);
        }
    }

    private static final class GzipJdk implements Codec {
        @Override
        public int maxCompressedLength(int length) {
            return length + length / 1000 + 1024;
        }

        @Override
        public int compress(byte[] in, int length, byte[] out) throws IOException {
            Sink sink = new Sink(out);
            try (GZIPOutputStream gzip = new GZIPOutputStream(sink, 64 << 10) {
                {
                    def.setLevel(GZIP_LEVEL);
                }
            }) {
                gzip.write(in, 0, length);
            }
            return sink.length;
        }

        @Override
        public int decompress(byte[] in, int length, byte[] out, int originalLength) throws IOException {
            try (InputStream gzip = new GZIPInputStream(new ByteArrayInputStream(in, 0, length), 64 << 10)) {
                return gzip.readNBytes(out, 0, originalLength);
            }
        }
    }

    private static final class GzipCommonsCompress implements Codec {
        @Override
        public int maxCompressedLength(int length) {
            return length + length / 1000 + 1024;
        }

        @Override
        public int compress(byte[] in, int length, byte[] out) throws IOException {
            Sink sink = new Sink(out);
            GzipParameters parameters = new GzipParameters();
            parameters.setCompressionLevel(GZIP_LEVEL);
            parameters.setBufferSize(64 << 10);
            try (GzipCompressorOutputStream gzip = new GzipCompressorOutputStream(sink, parameters)) {
                gzip.write(in, 0, length);
            }
            return sink.length;
        }

        @Override
        public int decompress(byte[] in, int length, byte[] out, int originalLength) throws IOException {
            try (InputStream gzip = new GzipCompressorInputStream(new ByteArrayInputStream(in, 0, length))) {
                return gzip.readNBytes(out, 0, originalLength);
            }
        }
    }

    /** An OutputStream into a byte array that is large enough. */
    private static final class Sink extends OutputStream {
        private final byte[] out;
        private int length;

        Sink(byte[] out) {
            this.out = out;
        }

        @Override
        public void write(int b) {
            out[length++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            System.arraycopy(b, off, out, length, len);
            length += len;
        }
    }
}
