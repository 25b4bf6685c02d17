package io.albireo.checksum.sha256.internal;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import org.osgi.service.component.annotations.Component;

import io.albireo.api.AlbireoName;
import io.albireo.api.Implementation;
import io.albireo.api.codec.Checksum;
import io.albireo.api.codec.Digest;

/**
 * SHA-256 (FIPS 180-4), for presets that want a cryptographic digest of what they store. The JDK's provider is
 * compiled to the CPU's SHA extensions (SHA-NI) when it has them ({@code -XX:+UseSHA}, on by default where supported).
 * The digest is the standard 32 bytes.
 */
@Component
@AlbireoName(Sha256Checksum.NAME)
@Implementation("jdk")
public final class Sha256Checksum implements Checksum {
    /** The algorithm's name. */
    public static final String NAME = "sha-256";

    // A MessageDigest holds state, so one per thread; getInstance costs a provider lookup on every call. The values
    // are JDK classes only, so a pooled thread that outlives this bundle keeps none of its classes alive.
    private final ThreadLocal<MessageDigest> digests = ThreadLocal.withInitial(Sha256Checksum::newDigest);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int length() {
        return 32;
    }

    @Override
    public Digest compute(ByteBuffer data) {
        MessageDigest sha = digests.get();
        sha.reset(); // in case an earlier call on this thread failed half-way
        sha.update(data.duplicate());
        return Digest.of(NAME, sha.digest());
    }

    @Override
    public Hasher hasher() {
        MessageDigest sha = newDigest(); // its own: the caller may interleave it with compute() on the same thread
        return Hasher.of(data -> sha.update(data.duplicate()), () -> Digest.of(NAME, sha.digest()));
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256, which every JDK must have", e);
        }
    }
}
