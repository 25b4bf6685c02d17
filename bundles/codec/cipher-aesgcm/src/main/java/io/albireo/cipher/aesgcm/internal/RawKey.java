package io.albireo.cipher.aesgcm.internal;

import java.util.Arrays;

import javax.crypto.SecretKey;

/**
 * Key bytes for one JCA call, which can be wiped: {@code SecretKeySpec} cannot ({@code destroy()} is not implemented
 * in JDK 17). The provider's own expanded copy inside the cipher or MAC is out of reach; this wipes ours.
 */
final class RawKey implements SecretKey {
    private static final long serialVersionUID = 1L;

    private final String algorithm;
    private final byte[] bytes;
    private boolean destroyed;

    /** @param bytes copied; the caller wipes its own array */
    RawKey(String algorithm, byte[] bytes) {
        this.algorithm = algorithm;
        this.bytes = bytes.clone();
    }

    @Override
    public String getAlgorithm() {
        return algorithm;
    }

    @Override
    public String getFormat() {
        return "RAW";
    }

    /** A copy, because providers may wipe what they are given. */
    @Override
    public byte[] getEncoded() {
        if (destroyed) {
            throw new IllegalStateException("key was destroyed");
        }
        return bytes.clone();
    }

    @Override
    public void destroy() {
        destroyed = true;
        Arrays.fill(bytes, (byte) 0);
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    /** Never the bytes. */
    @Override
    public String toString() {
        return "RawKey[" + algorithm + ", " + bytes.length * 8 + " bits]";
    }
}
