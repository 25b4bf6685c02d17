package io.albireo.nsm.internal;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.metadata.NamespaceManager.ObjectIndexEntry;

/**
 * The stored forms of the object index (docs/MANIFEST.md): under {@code i} + object id, what holds that object id,
 * and under {@code e}, the marker that the index is complete for the namespace.
 *
 * <p>An entry, version 1: a version byte (1), a state byte (1: held, 2: swept, a tombstone), the count of names that
 * hold the id (a varint; 0 when swept), the name that holds it (a varint length and UTF-8; empty when unknown: more
 * than one name, or one of them gone), and the CRC32C (4 bytes BE) of every byte before it. The count exists because
 * the NSM does not make object ids unique (the proxy does, one per put): an id the index cannot name for sure reads as
 * held with no name, and maintenance then keeps every fragment of it.
 *
 * <p>The marker, version 1: a version byte (1), how it came (1: the namespace's first {@code nsm.apply}, so every
 * manifest of it was indexed from the start; 2: a backfill that read every manifest), and the CRC32C of those 2 bytes.
 */
final class ObjectIndex {
    static final byte VERSION = 1;
    static final byte HELD = 1;
    static final byte SWEPT = 2;
    static final byte FROM_FIRST_APPLY = 1;
    static final byte FROM_BACKFILL = 2;
    static final int MARKER_LENGTH = 2 + 4;

    private ObjectIndex() {
    }

    static Bytes encode(ObjectIndexEntry e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + e.name().length() * 3);
        out.write(VERSION);
        out.write(e.swept() ? SWEPT : HELD);
        Segment.varint(out, e.names());
        byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
        Segment.varint(out, name.length);
        out.writeBytes(name);
        out.writeBytes(new byte[4]);
        byte[] b = out.toByteArray();
        NsmKeys.putCrc32c(b, 0, b.length - 4);
        return Bytes.adopt(b);
    }

    /** An id one more name holds: its first (named), or one of several (the name no longer known for sure). */
    static ObjectIndexEntry held(String name) {
        return new ObjectIndexEntry(false, 1, name);
    }

    static ObjectIndexEntry swept() {
        return new ObjectIndexEntry(true, 0, "");
    }

    /**
     * @throws IntegrityException if the checksum does not match, the version or state is another, a varint is not in
     *         its shortest form or too long, the name is not UTF-8, a held entry counts no name or a swept one some, or
     *         bytes follow
     */
    static ObjectIndexEntry decode(Bytes value) {
        byte[] b = value.toByteArray();
        check(b, "object index entry");
        ByteBuffer in = ByteBuffer.wrap(b, 0, b.length - 4);
        try {
            byte version = in.get();
            if (version != VERSION) {
                throw new IntegrityException("object index entry: format version " + (version & 0xff) + ", expected "
                        + VERSION);
            }
            byte state = in.get();
            if (state != HELD && state != SWEPT) {
                throw new IntegrityException("object index entry: unknown state " + (state & 0xff));
            }
            long names = varint(in, "names");
            long length = varint(in, "name length");
            if (length > in.remaining()) {
                throw new IntegrityException("object index entry: a name of " + length + " bytes, " + in.remaining()
                        + " left");
            }
            byte[] name = new byte[(int) length];
            in.get(name);
            if (in.hasRemaining()) {
                throw new IntegrityException("object index entry: " + in.remaining() + " trailing bytes");
            }
            if (state == HELD ? names < 1 : names != 0 || length != 0) {
                throw new IntegrityException("object index entry: state " + state + " with " + names + " names");
            }
            return new ObjectIndexEntry(state == SWEPT, names, utf8(name));
        } catch (BufferUnderflowException e) {
            throw new IntegrityException("object index entry: truncated");
        }
    }

    static Bytes marker(byte origin) {
        byte[] b = new byte[MARKER_LENGTH];
        b[0] = VERSION;
        b[1] = origin;
        NsmKeys.putCrc32c(b, 0, 2);
        return Bytes.adopt(b);
    }

    /** @return how the marker came ({@link #FROM_FIRST_APPLY} or {@link #FROM_BACKFILL}) */
    static byte markerOrigin(Bytes value) {
        byte[] b = value.toByteArray();
        check(b, "object index marker");
        if (b[0] != VERSION) {
            throw new IntegrityException("object index marker: format version " + (b[0] & 0xff) + ", expected "
                    + VERSION);
        }
        if (b.length != MARKER_LENGTH || b[1] != FROM_FIRST_APPLY && b[1] != FROM_BACKFILL) {
            throw new IntegrityException("object index marker: " + b.length + " bytes, origin " + b[1]);
        }
        return b[1];
    }

    private static void check(byte[] b, String what) {
        if (b.length < 1 + 4) {
            throw new IntegrityException(what + ": " + b.length + " bytes, too short");
        }
        CRC32C crc = new CRC32C();
        crc.update(b, 0, b.length - 4);
        int stored = ByteBuffer.wrap(b, b.length - 4, 4).getInt();
        if (stored != (int) crc.getValue()) {
            throw new IntegrityException(String.format("%s: CRC32C mismatch (stored %08x, computed %08x)", what,
                    stored, (int) crc.getValue()));
        }
    }

    /** A varint of at most 63 bits in its shortest form. */
    private static long varint(ByteBuffer in, String field) {
        long v = 0;
        for (int shift = 0;; shift += 7) {
            if (shift > 56) {
                throw new IntegrityException("object index entry: " + field + " longer than 63 bits");
            }
            byte x = in.get();
            v |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                if (x == 0 && shift > 0) {
                    throw new IntegrityException("object index entry: " + field + " not in its shortest form");
                }
                if (v < 0) {
                    throw new IntegrityException("object index entry: " + field + " longer than 63 bits");
                }
                return v;
            }
        }
    }

    private static String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new IntegrityException("object index entry: the name is not UTF-8");
        }
    }
}
