package io.albireo.api.metadata;

import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

import io.albireo.api.Bytes;

/**
 * A data key as the backend keeps it: encrypted ("wrapped") under the key-encryption key (KEK) that the proxies hold,
 * never in the clear. The {@link AlbaManager} stores it and never sees the KEK or the data key. An owner's keys are
 * versions 1, 2, ...; the newest one is current (new writes use it) and the older ones stay, because the objects
 * written under them name them.
 *
 * @param owner what the key belongs to, named as the id of its first version: {@code preset-NAME} for a preset's key
 *        (a vPool's could be {@code vpool-NAME}); letters, digits, '.', '_' and '-', 1 to 200 of them
 * @param version the key's version, 1 or more
 * @param createdMillis when it was made, epoch milliseconds (the caller's clock: the ABM's operation reads none)
 * @param keyLength the data key's length in bytes
 * @param wrapping how it is wrapped, for example {@code aes-256-gcm}
 * @param kekId the id of the KEK that wrapped it (an HMAC of a fixed label under the KEK, never the KEK itself)
 * @param wrapped the wrapped data key
 */
public record WrappedKey(String owner, int version, long createdMillis, int keyLength, String wrapping, Bytes kekId,
        Bytes wrapped) {
    /** Between an owner and a later version in a key id; no owner contains it, so no two ids can be the same. */
    public static final String VERSION_SEPARATOR = "@v";
    /** The longest wrapping name, KEK id and wrapped key the stored form takes. */
    public static final int MAX_FIELD = 4096;
    private static final Pattern OWNER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");
    private static final Pattern WRAPPING = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    /**
     * Checks the fields.
     *
     * @throws IllegalArgumentException naming the field that is wrong
     */
    public WrappedKey {
        Objects.requireNonNull(owner, "owner");
        if (!OWNER.matcher(owner).matches()) {
            throw new IllegalArgumentException("key owner '" + owner + "': 1 to 200 letters, digits, '.', '_' or"
                    + " '-', starting with a letter or digit");
        }
        if (version < 1) {
            throw new IllegalArgumentException("key of " + owner + ": version " + version + ", must be 1 or more");
        }
        if (createdMillis < 0) {
            throw new IllegalArgumentException("key " + id(owner, version) + ": created at " + createdMillis);
        }
        if (keyLength < 1 || keyLength > MAX_FIELD) {
            throw new IllegalArgumentException("key " + id(owner, version) + ": " + keyLength + " bytes long");
        }
        Objects.requireNonNull(wrapping, "wrapping");
        if (!WRAPPING.matcher(wrapping).matches()) {
            throw new IllegalArgumentException("key " + id(owner, version) + ": wrapping '" + wrapping + "'");
        }
        for (Object[] f : new Object[][] {{"KEK id", kekId}, {"wrapped key", wrapped}}) {
            Bytes b = (Bytes) f[1];
            if (b == null || b.isEmpty() || b.length() > MAX_FIELD) {
                throw new IllegalArgumentException("key " + id(owner, version) + ": the " + f[0] + " must be 1 to "
                        + MAX_FIELD + " bytes");
            }
        }
    }

    /** @return the id of an owner's key of this version: the owner for version 1, else owner@vN */
    public static String id(String owner, int version) {
        return version == 1 ? owner : owner + VERSION_SEPARATOR + version;
    }

    /** @return this key's id, which the manifests of the objects written under it carry */
    public String id() {
        return id(owner, version);
    }

    /** @return the id, length, wrapping and KEK id; never the wrapped bytes */
    @Override
    public String toString() {
        return "WrappedKey[" + id() + ", " + keyLength * 8 + " bits, " + wrapping + " under KEK "
                + HexFormat.of().formatHex(kekId.toByteArray(), 0, Math.min(8, kekId.length())) + "]";
    }
}
