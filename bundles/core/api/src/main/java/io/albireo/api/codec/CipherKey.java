package io.albireo.api.codec;

import java.util.Arrays;
import java.util.Objects;

import javax.security.auth.Destroyable;

/**
 * Secret key material for a {@link Cipher}. It never prints itself: {@link #toString()} shows the algorithm, the length
 * and an id (not derived from the secret), so logs and consoles can name a key without revealing it.
 */
public final class CipherKey implements Destroyable {
    private final String id;
    private final byte[] secret;
    private volatile boolean destroyed;

    /**
     * @param id a public identifier of the key, for example the vPool or preset it belongs to
     * @param secret the key bytes; copied
     */
    public CipherKey(String id, byte[] secret) {
        this.id = Objects.requireNonNull(id, "id");
        this.secret = secret.clone();
    }

    /** @return the key's public identifier */
    public String id() {
        return id;
    }

    /** @return the key's length in bytes */
    public int length() {
        return secret.length;
    }

    /**
     * @return a copy of the secret, for the cipher implementation only; wipe it after use
     * @throws IllegalStateException if the key was destroyed
     */
    public byte[] secret() {
        if (destroyed) {
            throw new IllegalStateException("key " + id + " was destroyed");
        }
        return secret.clone();
    }

    /** Wipes the secret. */
    @Override
    public void destroy() {
        destroyed = true;
        Arrays.fill(secret, (byte) 0);
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    /** @return the id and length, never the secret */
    @Override
    public String toString() {
        return "CipherKey[" + id + ", " + secret.length * 8 + " bits]";
    }
}
