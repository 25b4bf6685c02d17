package io.albireo.benchmarks.layout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.albireo.api.codec.CipherKey;
import io.albireo.api.codec.Compressor;
import io.albireo.api.metadata.Manifest;
import io.albireo.checksum.xxh64.internal.Xxh64Checksum;
import io.albireo.cipher.aesgcm.internal.AesGcmCipher;
import io.albireo.cipher.none.internal.NoCipher;
import io.albireo.codec.rs.internal.ReedSolomonCodec;
import io.albireo.compressor.lz4.internal.Lz4Compressor;
import io.albireo.compressor.none.internal.NoneCompressor;
import io.albireo.object.layout.ChunkLayout;
import io.albireo.object.layout.EncodedChunk;
import io.albireo.object.layout.FragmentSource;
import io.albireo.object.layout.Pipeline;
import io.albireo.object.layout.RangeReader;

/**
 * A 32 MiB chunk at RS(8,2) through the whole layout, one thread: {@code encode} and {@code decode} (all fragments
 * present; ops/s x 32 MiB = throughput), and {@code read4k}, a 4 KiB {@link RangeReader} read at a random offset from
 * fragments in memory (ops/s = reads/s; it measures the layout's own cost, no I/O). The data is text of a small
 * vocabulary (lz4 compresses it about 2 times).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx3g"})
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 2)
public class ChunkLayoutBenchmark {
    static final int SIZE = 32 << 20;

    @Param({"lz4+aes-256-gcm", "none+none"})
    public String pipeline;

    /** text (compresses about 2x) or random (does not compress: media, archives, ciphertext). */
    @Param({"text", "random"})
    public String data;

    private Pipeline p;
    private ByteBuffer chunk;
    private EncodedChunk encoded;
    private Manifest.Chunk manifest;
    private ByteBuffer[] fragments;
    private FragmentSource source;
    private final Random random = new Random(2);

    @Setup
    public void setUp() {
        ReedSolomonCodec rs = new ReedSolomonCodec();
        if (pipeline.equals("none+none")) {
            p = new Pipeline(new NoneCompressor(), 0, new NoCipher(), null, rs.code(8, 2), new Xxh64Checksum(),
                    Pipeline.DEFAULT_BLOCK_SIZE);
        } else {
            Compressor lz4 = new Lz4Compressor();
            byte[] secret = new byte[32];
            new Random(1).nextBytes(secret);
            p = new Pipeline(lz4, lz4.levels().defaultLevel(), new AesGcmCipher(), new CipherKey("bench", secret),
                    rs.code(8, 2), new Xxh64Checksum(), Pipeline.DEFAULT_BLOCK_SIZE);
        }
        if (data.equals("random")) {
            byte[] b = new byte[SIZE];
            new Random(3).nextBytes(b);
            chunk = ByteBuffer.wrap(b);
        } else {
            chunk = text(SIZE);
        }
        encoded = ChunkLayout.encode(p, chunk);
        int[] osds = new int[10];
        manifest = encoded.manifestChunk(osds);
        fragments = encoded.fragments().toArray(ByteBuffer[]::new);
        List<ByteBuffer> held = encoded.fragments();
        source = (fragment, offset, length) -> CompletableFuture.completedFuture(
                held.get(fragment).duplicate().position((int) offset).limit((int) offset + length).slice());
    }

    @Benchmark
    public EncodedChunk encode() {
        return ChunkLayout.encode(p, chunk);
    }

    @Benchmark
    public ByteBuffer decode() {
        return ChunkLayout.decode(p, manifest, fragments);
    }

    @Benchmark
    public ByteBuffer read4k() {
        return RangeReader.read(p, manifest, source, random.nextInt(SIZE - 4096), 4096).join();
    }

    static ByteBuffer text(int length) {
        String[] words = {"albireo ", "object ", "fragment ", "chunk ", "the ", "of ", "parity ", "block ", "osd ",
            "namespace ", "preset ", "manifest ", "repair ", "seal ", "index "};
        Random r = new Random(1);
        StringBuilder s = new StringBuilder(length + 16);
        while (s.length() < length) {
            s.append(words[r.nextInt(words.length)]);
            if (r.nextInt(8) == 0) {
                s.append(r.nextInt(100000)).append(' ');
            }
        }
        return ByteBuffer.wrap(s.substring(0, length).getBytes(StandardCharsets.ISO_8859_1));
    }
}
