package io.albireo.api.codec;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/** An immutable checksum value: the algorithm's name and the digest bytes. */
public final class Digest {
    private final String algorithm;
    private final byte[] value;

    private Digest(String algorithm, byte[] value) {
        this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
        this.value = value;
    }

    /** @return a digest of {@code algorithm} holding a copy of {@code value} */
    public static Digest of(String algorithm, byte[] value) {
        return new Digest(algorithm, value.clone());
    }

    /** @return a digest of {@code algorithm} holding the big-endian bytes of the low {@code length} bytes of {@code value} */
    public static Digest ofLong(String algorithm, long value, int length) {
        byte[] bytes = new byte[length];
        for (int i = length - 1; i >= 0; i--) {
            bytes[i] = (byte) value;
            value >>>= 8;
        }
        return new Digest(algorithm, bytes);
    }

    /** @return the name of the algorithm that computed this digest */
    public String algorithm() {
        return algorithm;
    }

    /** @return the digest's length in bytes */
    public int length() {
        return value.length;
    }

    /** @return a copy of the digest bytes */
    public byte[] toByteArray() {
        return value.clone();
    }

    /** @return the digest as lowercase hex */
    public String hex() {
        return HexFormat.of().formatHex(value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Digest d && algorithm.equals(d.algorithm) && Arrays.equals(value, d.value);
    }

    @Override
    public int hashCode() {
        return 31 * algorithm.hashCode() + Arrays.hashCode(value);
    }

    /** @return {@code algorithm:hex} */
    @Override
    public String toString() {
        return algorithm + ":" + hex();
    }
}
