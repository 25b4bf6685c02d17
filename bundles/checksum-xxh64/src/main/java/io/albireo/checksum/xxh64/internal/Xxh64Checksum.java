package io.albireo.checksum.xxh64.internal;

import java.nio.ByteBuffer;

import org.osgi.service.component.annotations.Component;

import io.albireo.api.AlbireoName;
import io.albireo.api.Implementation;
import io.albireo.api.codec.Checksum;
import io.albireo.api.codec.Digest;

import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * xxHash64 (XXH64, seed 0), a fast non-cryptographic 64-bit hash: it catches corruption, not tampering. lz4-java
 * computes it through JNI on heap and direct buffers alike (about 10 GB/s here), falling back to its pure Java
 * implementation where the native library does not load. The digest is the 8-byte big-endian hash, as
 * {@code xxhsum -H1} prints it.
 */
@Component
@AlbireoName(Xxh64Checksum.NAME)
@Implementation("lz4-java")
public final class Xxh64Checksum implements Checksum {
    /** The algorithm's name. */
    public static final String NAME = "xxh64";

    /** The reference's default seed, so digests match every other xxh64 tool. */
    static final long SEED = 0;

    // Stateless and thread-safe, so one for all callers.
    private final XXHash64 hash = XXHashFactory.fastestInstance().hash64();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int length() {
        return 8;
    }

    @Override
    public Digest compute(ByteBuffer data) {
        // Absolute: position and limit stay where they are.
        return Digest.ofLong(NAME, hash.hash(data, data.position(), data.remaining(), SEED), 8);
    }

    /** @return the name and the lz4-java implementation in use (JNI or Java), for diagnostics */
    @Override
    public String toString() {
        return NAME + " (" + hash + ")";
    }
}
