package io.albireo.cipher.aesgcm.internal;

import java.security.InvalidKeyException;
import java.util.Arrays;

import javax.crypto.Mac;

/**
 * HKDF (RFC 5869) over a JCA HMAC: extract, then expand. A few lines over {@link Mac}, so no library for it; the RFC's
 * test vectors check it. The caller owns the {@link Mac} (one per thread) and wipes the returned key.
 */
final class Hkdf {
    private Hkdf() {
    }

    /**
     * @param hmac an HMAC instance, for example HmacSHA256; re-initialised here
     * @param ikm the input keying material
     * @param salt the salt; empty means "not provided" (HashLen zero bytes, RFC 5869 section 2.2)
     * @param info the context
     * @param length the bytes of output keying material, at most 255 HMAC lengths
     * @return the output keying material
     */
    static byte[] derive(Mac hmac, byte[] ikm, byte[] salt, byte[] info, int length) throws InvalidKeyException {
        byte[] prk = extract(hmac, ikm, salt);
        try {
            return expand(hmac, prk, info, length);
        } finally {
            Arrays.fill(prk, (byte) 0);
        }
    }

    /** @return PRK = HMAC(salt, IKM) */
    static byte[] extract(Mac hmac, byte[] ikm, byte[] salt) throws InvalidKeyException {
        init(hmac, salt.length == 0 ? new byte[hmac.getMacLength()] : salt);
        return hmac.doFinal(ikm);
    }

    /** @return the first {@code length} bytes of T(1) | T(2) | ..., T(i) = HMAC(PRK, T(i-1) | info | i) */
    static byte[] expand(Mac hmac, byte[] prk, byte[] info, int length) throws InvalidKeyException {
        int hashLength = hmac.getMacLength();
        if (length <= 0 || length > 255 * hashLength) {
            throw new IllegalArgumentException("HKDF output length " + length + " is outside 1.." + 255 * hashLength);
        }
        init(hmac, prk);
        byte[] okm = new byte[length];
        byte[] t = new byte[0];
        for (int i = 1, done = 0; done < length; i++) {
            hmac.update(t);
            hmac.update(info);
            hmac.update((byte) i);
            Arrays.fill(t, (byte) 0);
            t = hmac.doFinal();
            int n = Math.min(hashLength, length - done);
            System.arraycopy(t, 0, okm, done, n);
            done += n;
        }
        Arrays.fill(t, (byte) 0);
        return okm;
    }

    private static void init(Mac hmac, byte[] key) throws InvalidKeyException {
        RawKey raw = new RawKey(hmac.getAlgorithm(), key);
        try {
            hmac.init(raw);
        } finally {
            raw.destroy();
        }
    }
}
