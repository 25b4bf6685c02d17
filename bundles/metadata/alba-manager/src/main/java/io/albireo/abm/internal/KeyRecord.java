package io.albireo.abm.internal;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.metadata.WrappedKey;

/**
 * The stored form of a {@link WrappedKey} under {@code abm/key/ID}, version 1 (docs/METADATA.md): a version byte,
 * the fields with 2-byte lengths and fixed-width numbers (all big-endian), and a CRC32C of every byte before it.
 * Binary where the ABM's other records are JSON because a key is the one record whose loss or silent change loses
 * data: a flipped bit must be an {@link IntegrityException}, and the format must be pinned byte for byte (the test
 * asserts a fixed record's bytes).
 */
final class KeyRecord {
    static final int VERSION = 1;
    private static final int CRC_LENGTH = 4;

    private KeyRecord() {
    }

    static Bytes encode(WrappedKey k) {
        byte[] owner = k.owner().getBytes(StandardCharsets.UTF_8);
        byte[] wrapping = k.wrapping().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(1 + 2 + owner.length + 4 + 8 + 2 + 2 + wrapping.length + 2
                + k.kekId().length() + 2 + k.wrapped().length() + CRC_LENGTH);
        out.put((byte) VERSION);
        field(out, owner);
        out.putInt(k.version());
        out.putLong(k.createdMillis());
        out.putShort((short) k.keyLength());
        field(out, wrapping);
        field(out, k.kekId().toByteArray());
        field(out, k.wrapped().toByteArray());
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return Bytes.adopt(out.array());
    }

    /**
     * @throws IntegrityException if the checksum does not match, the version is another, or the bytes are truncated,
     *         too long or describe an invalid key; the message says which and names the key when it can
     */
    static WrappedKey decode(Bytes stored) {
        byte[] b = stored.toByteArray();
        if (b.length < 1 + CRC_LENGTH) {
            throw new IntegrityException("wrapped key record: " + b.length + " bytes, too short");
        }
        int end = b.length - CRC_LENGTH;
        CRC32C crc = new CRC32C();
        crc.update(b, 0, end);
        int expected = ByteBuffer.wrap(b, end, CRC_LENGTH).getInt();
        if ((int) crc.getValue() != expected) {
            throw new IntegrityException(String.format("wrapped key record: CRC32C mismatch (stored %08x, computed"
                    + " %08x)", expected, (int) crc.getValue()));
        }
        if (b[0] != VERSION) {
            throw new IntegrityException("wrapped key record: format version " + (b[0] & 0xff) + ", expected "
                    + VERSION);
        }
        ByteBuffer in = ByteBuffer.wrap(b, 1, end - 1);
        try {
            String owner = utf8(field(in));
            int version = in.getInt();
            long created = in.getLong();
            int keyLength = Short.toUnsignedInt(in.getShort());
            String wrapping = utf8(field(in));
            Bytes kekId = Bytes.adopt(field(in));
            Bytes wrapped = Bytes.adopt(field(in));
            if (in.hasRemaining()) {
                throw new IntegrityException("wrapped key record of " + owner + ": " + in.remaining()
                        + " bytes after the wrapped key");
            }
            return new WrappedKey(owner, version, created, keyLength, wrapping, kekId, wrapped);
        } catch (BufferUnderflowException e) {
            throw new IntegrityException("wrapped key record: truncated", e);
        } catch (IllegalArgumentException e) {
            throw new IntegrityException("wrapped key record: invalid content: " + e.getMessage(), e);
        }
    }

    private static void field(ByteBuffer out, byte[] value) {
        out.putShort((short) value.length);
        out.put(value);
    }

    /** A 2-byte length and that many bytes, checked against what is left before anything is allocated. */
    private static byte[] field(ByteBuffer in) {
        int length = Short.toUnsignedInt(in.getShort());
        if (length > in.remaining()) {
            throw new BufferUnderflowException();
        }
        byte[] value = new byte[length];
        in.get(value);
        return value;
    }

    private static String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new IntegrityException("wrapped key record: a name is not UTF-8", e);
        }
    }
}
