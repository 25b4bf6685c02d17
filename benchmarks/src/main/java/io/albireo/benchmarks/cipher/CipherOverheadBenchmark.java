package io.albireo.benchmarks.cipher;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.albireo.api.codec.Cipher.BlockRange;
import io.albireo.api.codec.Cipher.SealedLayout;
import io.albireo.api.codec.CipherKey;
import io.albireo.cipher.aesgcm.internal.AesGcmCipher;

/**
 * What one call costs beyond the blocks: a 4 KiB object sealed and opened whole (subkey derivation, header tag, one
 * block), one 4 KiB block read out of a 1 MiB sealed form, and the raw JDK sealing 4 KiB for comparison. Microseconds
 * per operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class CipherOverheadBenchmark {
    private final AesGcmCipher cipher = new AesGcmCipher();
    private CipherKey key;
    private ByteBuffer small;
    private ByteBuffer smallSealed;
    private ByteBuffer header;
    private ByteBuffer oneBlock;
    private long blockIndex;
    private javax.crypto.Cipher jdk;
    private SecretKeySpec jdkKey;
    private byte[] plain;
    private byte[] out;
    private int counter;

    @Setup
    public void setup() throws Exception {
        Random random = new Random(2);
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        key = new CipherKey("bench", secret);
        plain = new byte[4096];
        random.nextBytes(plain);
        small = ByteBuffer.wrap(plain);
        smallSealed = cipher.encrypt(key, small, 4096);

        byte[] big = new byte[1 << 20];
        random.nextBytes(big);
        ByteBuffer bigSealed = cipher.encrypt(key, ByteBuffer.wrap(big), 4096);
        SealedLayout layout = cipher.layout(4096);
        BlockRange range = layout.blocksFor(big.length, 100 * 4096 + 10, 100);
        header = bigSealed.slice(0, layout.headerLength());
        oneBlock = bigSealed.slice((int) range.sealedOffset(), (int) range.sealedLength());
        blockIndex = range.firstBlock();

        jdk = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
        jdkKey = new SecretKeySpec(secret, "AES");
        out = new byte[4096 + 16];
    }

    @Benchmark
    public ByteBuffer encrypt4KiBObject() {
        return cipher.encrypt(key, small, 4096);
    }

    @Benchmark
    public ByteBuffer decrypt4KiBObject() {
        return cipher.decrypt(key, smallSealed);
    }

    @Benchmark
    public ByteBuffer decryptOneBlockOf1MiB() {
        return cipher.decryptBlocks(key, header, blockIndex, oneBlock);
    }

    @Benchmark
    public byte[] jdkEncrypt4KiB() throws Exception {
        byte[] iv = new byte[12];
        int n = ++counter;
        iv[8] = (byte) (n >>> 24);
        iv[9] = (byte) (n >>> 16);
        iv[10] = (byte) (n >>> 8);
        iv[11] = (byte) n;
        jdk.init(javax.crypto.Cipher.ENCRYPT_MODE, jdkKey, new GCMParameterSpec(128, iv));
        jdk.doFinal(plain, 0, plain.length, out, 0);
        return out;
    }
}
