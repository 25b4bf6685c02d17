package io.albireo.nsm.internal;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.zip.CRC32C;

import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;

/**
 * One segment of one OSD's reverse index (docs/MANIFEST.md): per object whose manifest is in the segment and that
 * has written fragments on the OSD, its object id and those fragments, by name. Value: a version byte (1), the entry
 * count, per entry the bytes its name shares with the previous name, the rest of the name (a string), the object id
 * (0 and a string, or 1 and 16 raw bytes when it is 32 lowercase hex digits), the fragment count and per fragment
 * chunk and fragment number; varints throughout; CRC32C (4 bytes BE) of the bytes before it.
 */
final class Segment {
    private static final byte VERSION = 1;
    private static final HexFormat HEX = HexFormat.of();

    /**
     * One object's fragments on the OSD.
     *
     * @param pairs per fragment {@code chunk << 32 | fragment}, ascending
     * @param rawId the object id's 16 bytes when it is stored raw ({@link #rawId}), else null
     * @param name the name's UTF-8 bytes, or null to encode it from the map's key
     */
    record Entry(String objectId, long[] pairs, byte[] rawId, byte[] name) {
        Entry(String objectId, long[] pairs) {
            this(objectId, pairs, rawIdBytes(objectId), null);
        }
    }

    /** @return the 16 bytes of {@code id} if it is stored raw, else null: computed once per object, not per OSD */
    static byte[] rawIdBytes(String id) {
        return rawId(id) ? HEX.parseHex(id) : null;
    }

    private final NavigableMap<String, Entry> entries = new TreeMap<>();
    private final boolean stored;
    private boolean dirty;

    private Segment(boolean stored) {
        this.stored = stored;
    }

    /** @return a segment that is not in the store */
    static Segment empty() {
        return new Segment(false);
    }

    static long pair(int chunk, int fragment) {
        return (long) chunk << 32 | fragment;
    }

    /** @return the entries by name */
    NavigableMap<String, Entry> entries() {
        return entries;
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    /** @return whether the segment was read from the store (so an emptied one must be deleted) */
    boolean stored() {
        return stored;
    }

    boolean dirty() {
        return dirty;
    }

    void put(String name, Entry entry) {
        entries.put(name, entry);
        dirty = true;
    }

    void remove(String name) {
        dirty |= entries.remove(name) != null;
    }

    Bytes encode() {
        Encoder out = new Encoder(entries.size());
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            byte[] name = e.getValue().name() != null ? e.getValue().name()
                    : e.getKey().getBytes(StandardCharsets.UTF_8);
            out.add(name, e.getValue().objectId(), e.getValue().rawId(), e.getValue().pairs());
        }
        return out.finish();
    }

    /**
     * Writes a segment's value from entries given in name order, without a map: an apply's new segments are written
     * straight from its items, sorted once for all of them ({@link ApplyOperation}).
     */
    static final class Encoder {
        private final Out body;
        private byte[] previous = new byte[0];
        private int count;

        /** @param expected how many entries to size the buffer for (~25 bytes each; it grows if not) */
        Encoder(int expected) {
            body = new Out(16 + 32 * expected);
        }

        /**
         * Adds the next entry; names must come in ascending order (as strings: {@link String#compareTo}).
         *
         * @param name the name's UTF-8 bytes
         * @param rawId the object id's 16 bytes when stored raw ({@link Segment#rawIdBytes}), else null
         */
        void add(byte[] name, String objectId, byte[] rawId, long[] pairs) {
            int shared = Arrays.mismatch(previous, name);
            shared = shared < 0 ? name.length : Math.min(shared, name.length);
            body.varint(shared);
            body.varint(name.length - shared);
            body.write(name, shared, name.length - shared);
            previous = name;
            if (rawId != null) {
                body.write(1);
                body.write(rawId, 0, rawId.length);
            } else {
                byte[] b = objectId.getBytes(StandardCharsets.UTF_8);
                body.write(0);
                body.varint(b.length);
                body.write(b, 0, b.length);
            }
            body.varint(pairs.length);
            for (long p : pairs) {
                body.varint(p >>> 32);
                body.varint(p & 0xffffffffL);
            }
            count++;
        }

        int count() {
            return count;
        }

        /** @return the value: version, count, the entries, CRC32C */
        Bytes finish() {
            byte[] out = new byte[1 + NsmKeys.varintLength(count) + body.size() + 4];
            out[0] = VERSION;
            int p = NsmKeys.putVarint(out, 1, count);
            System.arraycopy(body.buffer(), 0, out, p, body.size());
            p += body.size();
            NsmKeys.putCrc32c(out, 0, p);
            return Bytes.adopt(out);
        }
    }

    static boolean rawId(String id) {
        if (id.length() != 32) {
            return false;
        }
        for (int i = 0; i < 32; i++) {
            char c = id.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return false;
            }
        }
        return true;
    }

    /** @throws IntegrityException if {@code value} is not a segment (a flipped bit, a bug) */
    static Segment decode(Bytes value) {
        byte[] b = value.toByteArray();
        if (b.length < 5) {
            throw new IntegrityException("reverse index segment: " + b.length + " bytes");
        }
        CRC32C crc = new CRC32C();
        crc.update(b, 0, b.length - 4);
        if ((int) crc.getValue() != ByteBuffer.wrap(b, b.length - 4, 4).getInt()) {
            throw new IntegrityException("reverse index segment: CRC32C mismatch");
        }
        ByteBuffer in = ByteBuffer.wrap(b, 0, b.length - 4);
        try {
            if (in.get() != VERSION) {
                throw new IntegrityException("reverse index segment: unknown version " + b[0]);
            }
            Segment s = new Segment(true);
            // An entry takes at least 4 bytes: bounds what a forged count can make us allocate.
            int count = length(in, 4);
            byte[] previous = new byte[0];
            for (int i = 0; i < count; i++) {
                int shared = (int) varint(in);
                if (shared > previous.length) {
                    throw new IntegrityException("reverse index segment: a name shares more than there is");
                }
                byte[] name = Arrays.copyOf(previous, shared + length(in, 1));
                in.get(name, shared, name.length - shared);
                previous = name;
                byte[] raw = null;
                String id = switch (in.get()) {
                    case 0 -> utf8(bytes(in, length(in, 1)));
                    case 1 -> HEX.formatHex(raw = bytes(in, 16));
                    default -> throw new IntegrityException("reverse index segment: unknown object id kind");
                };
                long[] pairs = new long[length(in, 2)];
                for (int p = 0; p < pairs.length; p++) {
                    long chunk = varint(in);
                    long fragment = varint(in);
                    if (chunk > Integer.MAX_VALUE || fragment > 0xffff) {
                        throw new IntegrityException("reverse index segment: fragment out of range");
                    }
                    pairs[p] = chunk << 32 | fragment;
                }
                s.entries.put(utf8(name), new Entry(id, pairs, raw, name));
            }
            if (in.hasRemaining()) {
                throw new IntegrityException("reverse index segment: " + in.remaining() + " bytes too many");
            }
            return s;
        } catch (BufferUnderflowException e) {
            throw new IntegrityException("reverse index segment: truncated");
        }
    }

    /** @return a count or length, checked against the bytes left at {@code atLeast} bytes each */
    private static int length(ByteBuffer in, int atLeast) {
        long n = varint(in);
        if (n > in.remaining() / atLeast) {
            throw new IntegrityException("reverse index segment: a length of " + n + " with " + in.remaining()
                    + " bytes left");
        }
        return (int) n;
    }

    private static byte[] bytes(ByteBuffer in, int n) {
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private static String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new IntegrityException("reverse index segment: invalid UTF-8", e);
        }
    }

    static long varint(ByteBuffer in) {
        long v = 0;
        for (int shift = 0; shift < 63; shift += 7) {
            int x = in.get() & 0xff;
            v |= (long) (x & 0x7f) << shift;
            if (x < 0x80) {
                if (x == 0 && shift > 0) {
                    throw new IntegrityException("a varint not in its shortest form");
                }
                return v;
            }
        }
        throw new IntegrityException("varint longer than 63 bits");
    }

    static void varint(ByteArrayOutputStream out, long v) {
        for (; v >= 0x80 || v < 0; v >>>= 7) {
            out.write((int) (v & 0x7f) | 0x80);
        }
        out.write((int) v);
    }

}
