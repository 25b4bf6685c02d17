package io.albireo.cipher.aesgcm.internal;

import static javax.crypto.Cipher.DECRYPT_MODE;
import static javax.crypto.Cipher.ENCRYPT_MODE;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

import javax.crypto.AEADBadTagException;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;

import org.osgi.service.component.annotations.Component;

import io.albireo.api.AlbireoName;
import io.albireo.api.Implementation;
import io.albireo.api.IntegrityException;
import io.albireo.api.codec.Cipher;
import io.albireo.api.codec.CipherKey;

/**
 * AES-256-GCM over independently sealed blocks, by the JDK's provider (AES-NI, VAES and carry-less multiply
 * intrinsics). The sealed form, version 1:
 *
 * <pre>
 * header (58 bytes) = version (1) | log2(block size) (1) | plaintext length (8, big-endian) | salt (32)
 *                     | header tag (16) = GCM(subkey, nonce 0xff..ff, no plaintext, AAD = the 42 bytes before it)
 * block i           = GCM(subkey, nonce = i as 12 bytes big-endian, AAD = the 58 header bytes) of plaintext bytes
 *                     [i*B, min((i+1)*B, length)), followed by its 16-byte tag
 * subkey            = HKDF-SHA256(IKM = the 32-byte key, salt, info = "albireo aes-256-gcm v1"), 32 bytes
 * </pre>
 *
 * <p>A fresh random salt gives every encryption its own subkey, so the counter nonces never repeat under one key and
 * there is no limit of 2^32 random nonces per key. Every block authenticates the whole header, so a changed length,
 * block size or salt, truncation, extension and reordered blocks all fail. The header tag authenticates a sealed form
 * that has no blocks (an empty plaintext), which would otherwise be accepted under any key.
 *
 * <p>Each JCA call covers one block of at most 64 KiB, because the JDK is fast on those and slow on one large call.
 * Key bytes are copied out of the {@link CipherKey} only for derivation and wiped afterwards; no message names them.
 */
@Component
@AlbireoName(AesGcmCipher.NAME)
@Implementation("jdk")
public final class AesGcmCipher implements Cipher {
    /** The algorithm's name. */
    public static final String NAME = "aes-256-gcm";

    static final int KEY_LENGTH = 32;
    static final byte VERSION = 1;
    static final int SALT_LENGTH = 32;
    /** Version, log2(block size), plaintext length, salt. */
    static final int FIELDS_LENGTH = 1 + 1 + 8 + SALT_LENGTH;
    static final int TAG_LENGTH = 16;
    static final int HEADER_LENGTH = FIELDS_LENGTH + TAG_LENGTH;
    static final String INFO = "albireo aes-256-gcm v1";
    static final int MIN_LOG2_BLOCK_SIZE = 9;
    static final int MAX_LOG2_BLOCK_SIZE = 16;
    /** The most a ByteBuffer holds. */
    private static final long MAX_BUFFER = Integer.MAX_VALUE - 8;

    private final byte[] info = INFO.getBytes(StandardCharsets.US_ASCII);

    // One JCA object of each kind per thread: getInstance costs a provider lookup, init is cheap. The values are JDK
    // classes only, so a pooled thread that outlives this bundle keeps none of its classes alive.
    private final ThreadLocal<javax.crypto.Cipher> gcm =
            ThreadLocal.withInitial(() -> jca(() -> javax.crypto.Cipher.getInstance("AES/GCM/NoPadding")));
    private final ThreadLocal<Mac> hmac = ThreadLocal.withInitial(() -> jca(() -> Mac.getInstance("HmacSHA256")));
    // A DRBG per thread: the default NativePRNG serialises every caller on one lock around /dev/urandom.
    private final ThreadLocal<SecureRandom> random =
            ThreadLocal.withInitial(() -> jca(() -> SecureRandom.getInstance("DRBG")));

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int keyLength() {
        return KEY_LENGTH;
    }

    @Override
    public SealedLayout layout(int blockSize) {
        if (blockSize < 1 << MIN_LOG2_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException(NAME + ": the block size must be a power of two from "
                    + (1 << MIN_LOG2_BLOCK_SIZE) + " to " + MAX_BLOCK_SIZE + " bytes; got " + blockSize);
        }
        return new SealedLayout(HEADER_LENGTH, blockSize, TAG_LENGTH);
    }

    @Override
    public ByteBuffer encrypt(CipherKey key, ByteBuffer plaintext, int blockSize) {
        SealedLayout layout = layout(blockSize);
        checkKey(key);
        byte[] salt = new byte[SALT_LENGTH];
        random.get().nextBytes(salt);
        return seal(key, plaintext, layout, salt);
    }

    /** {@link #encrypt} with a given salt: fresh and random there, fixed in the known-answer test. */
    ByteBuffer seal(CipherKey key, ByteBuffer plaintext, SealedLayout layout, byte[] salt) {
        int length = plaintext.remaining();
        long sealedLength = layout.sealedLength(length);
        if (sealedLength > MAX_BUFFER) {
            throw new IllegalArgumentException(NAME + ": a plaintext of " + length + " bytes seals to " + sealedLength
                    + " bytes, more than one buffer holds");
        }
        int blockSize = layout.blockSize();
        byte[] header = new byte[HEADER_LENGTH];
        header[0] = VERSION;
        header[1] = (byte) Integer.numberOfTrailingZeros(blockSize);
        ByteBuffer.wrap(header).putLong(2, length);
        System.arraycopy(salt, 0, header, 10, SALT_LENGTH);

        ByteBuffer out = ByteBuffer.allocate((int) sealedLength);
        javax.crypto.Cipher c = gcm.get();
        RawKey subkey = subkey(key, salt);
        try {
            c.init(ENCRYPT_MODE, subkey, headerNonce());
            c.updateAAD(header, 0, FIELDS_LENGTH);
            c.doFinal(header, FIELDS_LENGTH);
            out.put(header);
            for (long i = 0, blocks = layout.blocks(length); i < blocks; i++) {
                int from = (int) (i * blockSize);
                c.init(ENCRYPT_MODE, subkey, blockNonce(i));
                c.updateAAD(header);
                crypt(c, plaintext, plaintext.position() + from, Math.min(blockSize, length - from), out);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(NAME + ": the JDK's AES-GCM failed to encrypt", e);
        } finally {
            subkey.destroy();
        }
        return out.flip();
    }

    @Override
    public ByteBuffer decrypt(CipherKey key, ByteBuffer sealed) {
        checkKey(key);
        Header header = Header.read(sealed);
        long expected = header.layout().sealedLength(header.length());
        if (sealed.remaining() != expected) {
            throw new IntegrityException(NAME + ": the sealed form has " + sealed.remaining() + " bytes, but its header"
                    + " says " + header.length() + " plaintext bytes in blocks of " + header.layout().blockSize()
                    + ", which seal to " + expected + ": truncated or extended");
        }
        ByteBuffer out = ByteBuffer.allocate((int) header.length());
        if (header.blocks() == 0) {
            verifyHeaderTag(key, header);
        } else {
            open(key, header, 0, sealed, sealed.position() + HEADER_LENGTH, out, "wrong key or changed bytes");
        }
        return out.flip();
    }

    @Override
    public ByteBuffer decryptBlocks(CipherKey key, ByteBuffer header, long firstBlock, ByteBuffer blocks) {
        checkKey(key);
        if (firstBlock < 0) {
            throw new IllegalArgumentException(NAME + ": block index " + firstBlock + " is negative");
        }
        if (header.remaining() != HEADER_LENGTH) {
            throw new IntegrityException(NAME + ": the header has " + header.remaining() + " bytes, not "
                    + HEADER_LENGTH);
        }
        Header h = Header.read(header);
        long total = h.blocks();
        if (firstBlock > total) {
            throw new IntegrityException(NAME + ": block " + firstBlock + " is past the " + total
                    + " blocks in the header");
        }
        // Whole blocks only; only the last block of the sealed form may be short.
        long plaintextLength = 0;
        long i = firstBlock;
        for (int left = blocks.remaining(); left > 0; i++) {
            if (i >= total) {
                throw new IntegrityException(NAME + ": the blocks from block " + firstBlock + " run past the last"
                        + " of the " + total + " blocks in the header");
            }
            int size = h.plaintextSize(i) + TAG_LENGTH;
            if (left < size) {
                throw new IntegrityException(NAME + ": block " + i + " is cut short: " + left + " of its " + size
                        + " sealed bytes");
            }
            left -= size;
            plaintextLength += size - TAG_LENGTH;
        }
        ByteBuffer out = ByteBuffer.allocate((int) plaintextLength);
        if (plaintextLength > 0) {
            open(key, h, firstBlock, blocks, blocks.position(), out,
                    "wrong key, changed bytes, or not block {i} of this sealed form");
        }
        return out.flip();
    }

    /**
     * Authenticates and decrypts blocks from {@code firstBlock} on until {@code out} is full.
     *
     * @param cause what an authentication failure means, for the message; {@code {i}} becomes the block's index
     */
    private void open(CipherKey key, Header header, long firstBlock, ByteBuffer src, int index, ByteBuffer out,
            String cause) {
        javax.crypto.Cipher c = gcm.get();
        RawKey subkey = subkey(key, header.salt());
        long i = firstBlock;
        try {
            for (; out.hasRemaining(); i++) {
                int size = header.plaintextSize(i);
                c.init(DECRYPT_MODE, subkey, blockNonce(i));
                c.updateAAD(header.bytes());
                crypt(c, src, index, size + TAG_LENGTH, out);
                index += size + TAG_LENGTH;
            }
        } catch (AEADBadTagException e) {
            throw new IntegrityException(NAME + ": block " + i + " of " + header.blocks() + " failed authentication: "
                    + cause.replace("{i}", Long.toString(i)), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(NAME + ": the JDK's AES-GCM failed to decrypt", e);
        } finally {
            subkey.destroy();
        }
    }

    /** For a sealed form without blocks, the only proof that the header was sealed with this key. */
    private void verifyHeaderTag(CipherKey key, Header header) {
        javax.crypto.Cipher c = gcm.get();
        RawKey subkey = subkey(key, header.salt());
        try {
            c.init(DECRYPT_MODE, subkey, headerNonce());
            c.updateAAD(header.bytes(), 0, FIELDS_LENGTH);
            c.doFinal(header.bytes(), FIELDS_LENGTH, TAG_LENGTH);
        } catch (AEADBadTagException e) {
            throw new IntegrityException(NAME + ": the header failed authentication: wrong key or changed bytes", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(NAME + ": the JDK's AES-GCM failed to decrypt", e);
        } finally {
            subkey.destroy();
        }
    }

    /** One JCA call on {@code length} bytes of {@code src} from {@code index}, appended to {@code out}. */
    private static void crypt(javax.crypto.Cipher c, ByteBuffer src, int index, int length, ByteBuffer out)
            throws GeneralSecurityException {
        if (src.hasArray()) {
            int n = c.doFinal(src.array(), src.arrayOffset() + index, length, out.array(),
                    out.arrayOffset() + out.position());
            out.position(out.position() + n);
        } else {
            c.doFinal(src.slice(index, length), out);
        }
    }

    private RawKey subkey(CipherKey key, byte[] salt) {
        byte[] secret = key.secret();
        byte[] okm = null;
        try {
            okm = Hkdf.derive(hmac.get(), secret, salt, info, KEY_LENGTH);
            return new RawKey("AES", okm);
        } catch (InvalidKeyException e) {
            throw new IllegalStateException(NAME + ": HmacSHA256 refused the key " + key, e);
        } finally {
            Arrays.fill(secret, (byte) 0);
            if (okm != null) {
                Arrays.fill(okm, (byte) 0);
            }
        }
    }

    private static void checkKey(CipherKey key) {
        Objects.requireNonNull(key, "key");
        if (key.length() != KEY_LENGTH) {
            // The key's toString names its id and length, never its bytes.
            throw new IllegalArgumentException(NAME + " needs a " + KEY_LENGTH + "-byte key; " + key + " has "
                    + key.length() + " bytes");
        }
    }

    /** Block i's nonce: i as a 12-byte big-endian number. */
    static GCMParameterSpec blockNonce(long i) {
        byte[] nonce = new byte[12];
        for (int k = 11; k >= 4; k--, i >>>= 8) {
            nonce[k] = (byte) i;
        }
        return new GCMParameterSpec(TAG_LENGTH * 8, nonce);
    }

    /** The header tag's nonce: all ones, which no block index (below 2^63) reaches. */
    static GCMParameterSpec headerNonce() {
        byte[] nonce = new byte[12];
        Arrays.fill(nonce, (byte) 0xff);
        return new GCMParameterSpec(TAG_LENGTH * 8, nonce);
    }

    private interface JcaFactory<T> {
        T get() throws GeneralSecurityException;
    }

    private static <T> T jca(JcaFactory<T> factory) {
        try {
            return factory.get();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks a standard algorithm", e);
        }
    }

    /**
     * A parsed header, checked for what can be checked without the key: the version, the block size and a length
     * that fits a buffer. The rest is checked by the tags.
     *
     * @param bytes the header's 58 bytes
     * @param layout the layout for its block size
     * @param length the plaintext length
     */
    record Header(byte[] bytes, SealedLayout layout, long length) {

        /** Reads the header at {@code buf}'s position without moving it. */
        static Header read(ByteBuffer buf) {
            if (buf.remaining() < HEADER_LENGTH) {
                throw new IntegrityException(NAME + ": " + buf.remaining() + " bytes are too short for the "
                        + HEADER_LENGTH + "-byte header");
            }
            byte[] bytes = new byte[HEADER_LENGTH];
            buf.get(buf.position(), bytes);
            if (bytes[0] != VERSION) {
                throw new IntegrityException(NAME + ": unknown format version " + (bytes[0] & 0xff)
                        + "; this bundle reads version " + VERSION);
            }
            int log2 = bytes[1] & 0xff;
            if (log2 < MIN_LOG2_BLOCK_SIZE || log2 > MAX_LOG2_BLOCK_SIZE) {
                throw new IntegrityException(NAME + ": the header's block size 2^" + log2 + " is outside 2^"
                        + MIN_LOG2_BLOCK_SIZE + " to 2^" + MAX_LOG2_BLOCK_SIZE);
            }
            long length = ByteBuffer.wrap(bytes).getLong(2);
            if (length < 0 || length > MAX_BUFFER) {
                throw new IntegrityException(NAME + ": the header's plaintext length " + length
                        + " is impossible");
            }
            return new Header(bytes, new SealedLayout(HEADER_LENGTH, 1 << log2, TAG_LENGTH), length);
        }

        byte[] salt() {
            return Arrays.copyOfRange(bytes, FIELDS_LENGTH - SALT_LENGTH, FIELDS_LENGTH);
        }

        long blocks() {
            return layout.blocks(length);
        }

        /** @return the plaintext bytes in block {@code i}: the block size, less in the last block */
        int plaintextSize(long i) {
            return (int) Math.min(layout.blockSize(), length - i * layout.blockSize());
        }
    }
}
