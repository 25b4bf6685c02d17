package io.albireo.nsm.internal;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.ManifestFormat;

/**
 * The NSM's keys in the metadata store (docs/MANIFEST.md): {@code nsm/} and the namespace id (8 bytes big-endian,
 * so a namespace's keys are one contiguous range and its name can be reused), then
 * <ul>
 * <li>{@code o} + name: the segment id of its reverse index entries (varint, 0 for none) and the manifest in
 * {@link ManifestFormat}; names sort as bytes;</li>
 * <li>{@code f} + OSD (4 bytes BE) + segment id (8 bytes BE): a {@link Segment} of the reverse index, the entries on
 * that OSD of the manifests in that segment; one OSD's segments are one range, in segment order;</li>
 * <li>{@code c}: the segment counter, the last segment id given out (8 bytes BE);</li>
 * <li>{@code s}: the statistics, three 8-byte BE counts (objects, logical bytes, stored bytes);</li>
 * <li>{@code u} + OSD (4 bytes BE): what that OSD holds of the namespace, an {@link OsdCounter}; absent when it holds
 * nothing, so the OSDs a namespace is on are one range, in OSD order;</li>
 * <li>{@code i} + object id ({@code 1} and its 16 raw bytes when it is 32 lowercase hex digits, else {@code 0} and
 * its UTF-8): the object index, what name holds that object id ({@link ObjectIndex}), or a tombstone of an id swept
 * as a leftover; raw ids sort as their hex does, as on the OSDs;</li>
 * <li>{@code e}: the marker that the object index is complete ({@link ObjectIndex#marker}).</li>
 * </ul>
 */
final class NsmKeys {
    private static final byte[] ROOT = "nsm/".getBytes(StandardCharsets.US_ASCII);
    private static final byte MANIFEST = 'o';
    private static final byte FRAGMENT = 'f';
    private static final byte STATISTICS = 's';
    private static final byte COUNTER = 'c';
    private static final byte OSD_STATISTICS = 'u';
    private static final byte OBJECT_INDEX = 'i';
    private static final byte OBJECT_INDEX_COMPLETE = 'e';

    private final Bytes prefix;

    NsmKeys(long namespaceId) {
        this.prefix = Bytes.adopt(ByteBuffer.allocate(ROOT.length + 8).put(ROOT).putLong(namespaceId).array());
    }

    /** @return the key of the manifest of {@code name} */
    Bytes manifest(String name) {
        return prefix.concat(Bytes.of(MANIFEST)).concat(Bytes.utf8(name));
    }

    /** @return the first key of the manifests */
    Bytes manifests() {
        return prefix.concat(Bytes.of(MANIFEST));
    }

    /** @return the name in a manifest key */
    String name(Bytes manifestKey) {
        return manifestKey.slice(prefix.length() + 1, manifestKey.length()).utf8();
    }

    Bytes statistics() {
        return prefix.concat(Bytes.of(STATISTICS));
    }

    /** @return the key of what {@code osd} holds of the namespace ({@link OsdCounter}) */
    Bytes osdStatistics(int osd) {
        return prefix.concat(Bytes.adopt(ByteBuffer.allocate(5).put(OSD_STATISTICS).putInt(osd).array()));
    }

    /** @return the prefix of every OSD's {@link #osdStatistics(int)} key */
    Bytes osdStatistics() {
        return prefix.concat(Bytes.of(OSD_STATISTICS));
    }

    /** @return the OSD in an {@link #osdStatistics(int)} key */
    int osd(Bytes osdStatisticsKey) {
        return osdStatisticsKey.slice(osdStatisticsKey.length() - 4, osdStatisticsKey.length()).asReadOnlyBuffer()
                .getInt();
    }

    /** @return the object index's key of {@code objectId} */
    Bytes objectIndex(String objectId) {
        return objectIndex(objectId, Segment.rawIdBytes(objectId));
    }

    /** @param rawId {@link Segment#rawIdBytes} of {@code objectId}, computed already */
    Bytes objectIndex(String objectId, byte[] rawId) {
        byte[] id = rawId != null ? rawId : objectId.getBytes(StandardCharsets.UTF_8);
        byte[] k = new byte[prefix.length() + 2 + id.length];
        prefix.copyTo(k, 0);
        k[prefix.length()] = OBJECT_INDEX;
        k[prefix.length() + 1] = (byte) (rawId != null ? 1 : 0);
        System.arraycopy(id, 0, k, prefix.length() + 2, id.length);
        return Bytes.adopt(k);
    }

    /** @return the key of the marker that the object index is complete */
    Bytes objectIndexComplete() {
        return prefix.concat(Bytes.of(OBJECT_INDEX_COMPLETE));
    }

    /** @return the segment counter's key: the last segment id given out, 8 bytes BE (absent: 0) */
    Bytes segmentCounter() {
        return prefix.concat(Bytes.of(COUNTER));
    }

    /** @return the prefix of the reverse index segments of {@code osd} */
    Bytes fragmentsOn(int osd) {
        return prefix.concat(Bytes.adopt(ByteBuffer.allocate(5).put(FRAGMENT).putInt(osd).array()));
    }

    /** @return the key of segment {@code segment} of {@code osd} */
    Bytes segment(int osd, long segment) {
        return prefix.concat(Bytes.adopt(ByteBuffer.allocate(13).put(FRAGMENT).putInt(osd).putLong(segment).array()));
    }

    /** @return the segment id in a segment key */
    long segmentId(Bytes segmentKey) {
        return segmentKey.slice(segmentKey.length() - 8, segmentKey.length()).asReadOnlyBuffer().getLong();
    }

    /** A manifest key's value: the segment of its reverse index entries (0: none) and the manifest. */
    record Stored(long segment, Manifest manifest) {
    }

    static Bytes storedValue(long segment, Manifest m) {
        byte[] manifest = ManifestFormat.encode(m);
        ByteArrayOutputStream out = new ByteArrayOutputStream(manifest.length + 9);
        Segment.varint(out, segment);
        out.writeBytes(manifest);
        return Bytes.adopt(out.toByteArray());
    }

    /**
     * Where the version is in a manifest's stored form (after the format byte, the flags, the name and the object id;
     * docs/MANIFEST.md), so that {@link #storedValue(long, byte[], int, int, long)} can splice another one in.
     *
     * @param manifest a stored form that {@link ManifestFormat#decode} accepted
     * @return the version's first byte and the byte after it, as {@code start << 32 | end}
     */
    static long versionSpan(byte[] manifest) {
        ByteBuffer in = ByteBuffer.wrap(manifest, 1, manifest.length - 1);
        Segment.varint(in);
        for (int field = 0; field < 2; field++) {
            int length = (int) Segment.varint(in);
            in.position(in.position() + length);
        }
        long start = in.position();
        Segment.varint(in);
        return start << 32 | in.position();
    }

    /**
     * The value of a manifest key from a manifest's stored form with another version spliced in at {@code [versionAt,
     * versionEnd)} and the CRC32C recomputed: what {@link #storedValue(long, Manifest)} gives for that manifest with
     * that version, without decoding and re-encoding it on the committer.
     */
    static Bytes storedValue(long segment, byte[] manifest, int versionAt, int versionEnd, long version) {
        int crcAt = manifest.length - 4;
        byte[] out = new byte[varintLength(segment) + versionAt + varintLength(version) + crcAt - versionEnd + 4];
        int p = putVarint(out, 0, segment);
        int start = p;
        System.arraycopy(manifest, 0, out, p, versionAt);
        p = putVarint(out, p + versionAt, version);
        System.arraycopy(manifest, versionEnd, out, p, crcAt - versionEnd);
        p += crcAt - versionEnd;
        putCrc32c(out, start, p);
        return Bytes.adopt(out);
    }

    /** Writes the CRC32C of {@code out[start, end)} as 4 bytes BE at {@code end}. */
    static void putCrc32c(byte[] out, int start, int end) {
        CRC32C crc = new CRC32C();
        crc.update(out, start, end - start);
        int v = (int) crc.getValue();
        out[end] = (byte) (v >>> 24);
        out[end + 1] = (byte) (v >>> 16);
        out[end + 2] = (byte) (v >>> 8);
        out[end + 3] = (byte) v;
    }

    static int varintLength(long v) {
        int n = 1;
        for (; v >= 0x80 || v < 0; v >>>= 7) {
            n++;
        }
        return n;
    }

    /** @return the index after the varint written at {@code at} */
    static int putVarint(byte[] out, int at, long value) {
        int p = at;
        long v = value;
        for (; v >= 0x80 || v < 0; v >>>= 7) {
            out[p++] = (byte) (v & 0x7f | 0x80);
        }
        out[p++] = (byte) v;
        return p;
    }

    /** @return the manifest's stored form in a manifest key's value, undecoded (the segment id skipped) */
    static byte[] manifestForm(Bytes value) {
        ByteBuffer in = value.asReadOnlyBuffer();
        try {
            Segment.varint(in);
        } catch (BufferUnderflowException e) {
            throw new IntegrityException("manifest value: truncated");
        }
        byte[] b = new byte[in.remaining()];
        in.get(b);
        return b;
    }

    static Stored stored(Bytes value) {
        byte[] b = value.toByteArray();
        ByteBuffer in = ByteBuffer.wrap(b);
        try {
            long segment = Segment.varint(in);
            return new Stored(segment, ManifestFormat.decode(Arrays.copyOfRange(b, in.position(), b.length)));
        } catch (BufferUnderflowException e) {
            throw new IntegrityException("manifest value: truncated");
        }
    }
}
