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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.albireo.api.codec.CipherKey;
import io.albireo.cipher.aesgcm.internal.AesGcmCipher;

/**
 * Encrypting and decrypting a whole plaintext with aes-256-gcm, per block size, next to the raw JDK AES-GCM sealing
 * the same blocks into a buffer allocated once (no header, no subkey, no AAD): the ceiling. Heap buffers, one thread.
 *
 * <p>Warm-up iterations are 3 s: the JDK's AES-GCM runs as plain Java (about 0.04 GB/s) until C2 compiles its caller
 * with the AES-GCM intrinsic, and with 64 KiB calls that took about 4 s here; shorter warm-ups measured that instead.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class CipherBenchmark {
    @Param({"4096", "16384", "65536"})
    int blockSize;

    @Param({"1048576", "67108864"})
    int size;

    private final AesGcmCipher cipher = new AesGcmCipher();
    private CipherKey key;
    private ByteBuffer plaintext;
    private ByteBuffer sealed;

    private javax.crypto.Cipher jdk;
    private SecretKeySpec jdkKey;
    private byte[] plain;
    private byte[] jdkSealed;
    private byte[] jdkOut;
    private byte[] jdkOpened;

    @Setup
    public void setup() throws Exception {
        Random random = new Random(1);
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        key = new CipherKey("bench", secret);
        plain = new byte[size];
        random.nextBytes(plain);
        plaintext = ByteBuffer.wrap(plain);
        sealed = cipher.encrypt(key, plaintext, blockSize);

        jdk = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
        jdkKey = new SecretKeySpec(secret, "AES");
        int blocks = (size + blockSize - 1) / blockSize;
        jdkOut = new byte[size + 16 * blocks];
        jdkOpened = new byte[size];
        jdkEncrypt();
        jdkSealed = jdkOut.clone();
    }

    private static GCMParameterSpec nonce(int i) {
        byte[] iv = new byte[12];
        iv[8] = (byte) (i >>> 24);
        iv[9] = (byte) (i >>> 16);
        iv[10] = (byte) (i >>> 8);
        iv[11] = (byte) i;
        return new GCMParameterSpec(128, iv);
    }

    @Benchmark
    public ByteBuffer encrypt() {
        return cipher.encrypt(key, plaintext, blockSize);
    }

    @Benchmark
    public ByteBuffer decrypt() {
        return cipher.decrypt(key, sealed);
    }

    /** The ceiling: one init and one doFinal per block, as the cipher does, without the rest. */
    @Benchmark
    public byte[] jdkEncrypt() throws Exception {
        for (int i = 0, in = 0, out = 0; in < size; i++, in += blockSize) {
            jdk.init(javax.crypto.Cipher.ENCRYPT_MODE, jdkKey, nonce(i));
            out += jdk.doFinal(plain, in, Math.min(blockSize, size - in), jdkOut, out);
        }
        return jdkOut;
    }

    @Benchmark
    public byte[] jdkDecrypt() throws Exception {
        for (int i = 0, in = 0, out = 0; out < size; i++) {
            int n = Math.min(blockSize, size - out);
            jdk.init(javax.crypto.Cipher.DECRYPT_MODE, jdkKey, nonce(i));
            out += jdk.doFinal(jdkSealed, in, n + 16, jdkOpened, out);
            in += n + 16;
        }
        return jdkOpened;
    }
}
