package io.albireo.nsm.internal;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
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

    // A read segment keeps its (sorted) TreeMap; a new one, filled by one apply, a LinkedHashMap that encode sorts
    // once: 20 TreeMaps of 1000 entries cost the committer more than one sort each, which is linear when the
    // apply's names come in order.
    private final Map<String, Entry> entries;
    private final boolean stored;
    private boolean dirty;

    private Segment(boolean stored, int expected) {
        this.stored = stored;
        this.entries = stored ? new TreeMap<>() : new LinkedHashMap<>(Math.max(16, expected * 4 / 3 + 1));
    }

    static Segment empty() {
        return new Segment(false, 0);
    }

    /** @return a new segment sized for {@code expected} entries */
    static Segment empty(int expected) {
        return new Segment(false, expected);
    }

    static long pair(int chunk, int fragment) {
        return (long) chunk << 32 | fragment;
    }

    /** @return the entries by name (a copy when the segment is new) */
    NavigableMap<String, Entry> entries() {
        return entries instanceof TreeMap<String, Entry> t ? t : new TreeMap<>(entries);
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
        // ~25 bytes an entry in the benchmark's batches (docs/MANIFEST.md); the buffer grows if not.
        Out out = new Out(16 + 32 * entries.size());
        out.write(VERSION);
        out.varint(entries.size());
        byte[] previous = new byte[0];
        for (Map.Entry<String, Entry> e : sorted()) {
            byte[] name = e.getValue().name() != null ? e.getValue().name()
                    : e.getKey().getBytes(StandardCharsets.UTF_8);
            int shared = Arrays.mismatch(previous, name);
            shared = shared < 0 ? name.length : Math.min(shared, name.length);
            out.varint(shared);
            out.varint(name.length - shared);
            out.write(name, shared, name.length - shared);
            previous = name;
            byte[] raw = e.getValue().rawId();
            if (raw != null) {
                out.write(1);
                out.write(raw, 0, raw.length);
            } else {
                byte[] b = e.getValue().objectId().getBytes(StandardCharsets.UTF_8);
                out.write(0);
                out.varint(b.length);
                out.write(b, 0, b.length);
            }
            long[] pairs = e.getValue().pairs();
            out.varint(pairs.length);
            for (long p : pairs) {
                out.varint(p >>> 32);
                out.varint(p & 0xffffffffL);
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(out.buffer(), 0, out.size());
        out.int32((int) crc.getValue());
        return Bytes.adopt(out.bytes());
    }

    @SuppressWarnings("unchecked")
    private Iterable<Map.Entry<String, Entry>> sorted() {
        if (entries instanceof TreeMap) {
            return entries.entrySet();
        }
        Map.Entry<String, Entry>[] a = entries.entrySet().toArray(new Map.Entry[0]);
        Arrays.sort(a, Map.Entry.comparingByKey());
        return Arrays.asList(a);
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
            Segment s = new Segment(true, 0);
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
