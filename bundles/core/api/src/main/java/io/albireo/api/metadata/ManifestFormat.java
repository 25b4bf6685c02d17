package io.albireo.api.metadata;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;
import io.albireo.api.codec.Digest;

/**
 * The stored form of a {@link Manifest}: compact, versioned, checksummed. The byte layout and the reasons for it are in
 * docs/MANIFEST.md. In short: a version byte, unsigned LEB128 varints for integers, strings as a varint length and
 * UTF-8, a hex object id as raw bytes, the fragment checksum length once for the whole manifest, OSD numbers shifted
 * by one so that "not written" is 0, and a CRC32C of everything before it at the end. Version 2 adds each fragment's
 * generation after its OSD; it is written only for a manifest that has a fragment of a nonzero generation (one that
 * maintenance rewrote), so every other manifest keeps its version 1 bytes, which readers of version 1 still read.
 * <p>
 * Decoding trusts nothing: every count and length is checked against the bytes left before anything is allocated, and
 * every defect (checksum, truncation, trailing bytes, bad version, invalid field) is an {@link IntegrityException}.
 */
public final class ManifestFormat {
    /**
     * The newest format version, which this class reads besides version 1. It writes version 1 when every fragment
     * has generation 0, and this version otherwise.
     */
    public static final int VERSION = 2;

    /** The first version: no fragment generations (all are 0). */
    private static final int VERSION_1 = 1;

    private static final int FLAG_HEX_ID = 1;
    private static final int KNOWN_FLAGS = FLAG_HEX_ID;
    private static final int CRC_LENGTH = 4;

    private ManifestFormat() {
    }

    /**
     * @return the stored form of {@code m}
     * @throws IllegalArgumentException if its fragment checksums differ in length (one algorithm gives one length)
     */
    public static byte[] encode(Manifest m) {
        int checksumLength = fragmentChecksumLength(m);
        boolean generations = hasGenerations(m);
        Out out = new Out(256 + m.chunks().size() * (16 + m.policy().width() * (checksumLength + 3
                + (generations ? 9 : 0))));
        out.write(generations ? VERSION : VERSION_1);
        boolean hex = isLowerHex(m.objectId());
        out.varint(hex ? FLAG_HEX_ID : 0);
        out.string(m.name());
        if (hex) {
            byte[] id = java.util.HexFormat.of().parseHex(m.objectId());
            out.bytes(id);
        } else {
            out.string(m.objectId());
        }
        out.varint(m.version());
        out.varint(m.size());
        out.string(m.checksum().algorithm());
        out.bytes(m.checksum().toByteArray());
        Policy p = m.policy();
        out.varint(p.k());
        out.varint(p.m());
        out.varint(p.c());
        out.varint(p.x());
        out.string(m.compressor());
        out.string(m.cipher());
        out.string(m.keyId());
        out.string(m.fragmentChecksum());
        out.string(m.erasureCodec());
        out.varint(m.blockSize());
        out.varint(checksumLength);
        out.varint(m.chunks().size());
        for (Manifest.Chunk c : m.chunks()) {
            out.varint(c.length());
            out.varint(c.storedLength());
            out.varint(c.fragmentLength());
            for (Manifest.Fragment f : c.fragments()) {
                out.varint(f.osd() + 1L);
                if (generations) {
                    out.varint(f.generation());
                }
                f.checksum().copyTo(out.reserve(checksumLength), out.size() - checksumLength);
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.size());
        int value = (int) crc.getValue();
        out.write(value >>> 24);
        out.write(value >>> 16);
        out.write(value >>> 8);
        out.write(value);
        return out.toByteArray();
    }

    /**
     * @return the manifest stored in {@code stored}
     * @throws IntegrityException if the checksum does not match, or the bytes are truncated, too long, of another
     *         version or describe an invalid manifest; the message says which
     */
    public static Manifest decode(byte[] stored) {
        if (stored.length < 1 + CRC_LENGTH) {
            throw new IntegrityException("manifest: " + stored.length + " bytes, too short for a stored manifest");
        }
        int end = stored.length - CRC_LENGTH;
        CRC32C crc = new CRC32C();
        crc.update(stored, 0, end);
        int expected = ByteBuffer.wrap(stored, end, CRC_LENGTH).getInt();
        if ((int) crc.getValue() != expected) {
            throw new IntegrityException(String.format("manifest: CRC32C mismatch (stored %08x, computed %08x)",
                    expected, (int) crc.getValue()));
        }
        if (stored[0] != VERSION_1 && stored[0] != VERSION) {
            throw new IntegrityException("manifest: format version " + (stored[0] & 0xff) + ", expected "
                    + VERSION_1 + " or " + VERSION);
        }
        boolean generations = stored[0] == VERSION;
        In in = new In(stored, 1, end);
        try {
            int flags = in.intVarint("flags");
            if ((flags & ~KNOWN_FLAGS) != 0) {
                throw new IntegrityException("manifest: unknown flags " + Integer.toHexString(flags));
            }
            String name = in.string("name");
            String objectId = (flags & FLAG_HEX_ID) != 0
                    ? java.util.HexFormat.of().formatHex(in.bytes("object id")) : in.string("object id");
            long version = in.varint("version");
            long size = in.varint("size");
            String checksumAlgorithm = in.string("checksum algorithm");
            Digest checksum = Digest.of(checksumAlgorithm, in.bytes("checksum"));
            Policy policy = new Policy(in.intVarint("k"), in.intVarint("m"), in.intVarint("c"), in.intVarint("x"));
            String compressor = in.string("compressor");
            String cipher = in.string("cipher");
            String keyId = in.string("key id");
            String fragmentChecksum = in.string("fragment checksum");
            String erasureCodec = in.string("erasure codec");
            int blockSize = in.intVarint("block size");
            int checksumLength = in.length("fragment checksum length", 0);
            int width = policy.width();
            // The smallest chunk: three one-byte lengths, and per fragment a one-byte OSD (and generation) and its
            // checksum.
            int minFragment = (generations ? 2 : 1) + checksumLength;
            long minChunk = 3 + (long) width * minFragment;
            int chunkCount = in.count("chunks", minChunk);
            List<Manifest.Chunk> chunks = new ArrayList<>(chunkCount);
            for (int i = 0; i < chunkCount; i++) {
                long length = in.varint("chunk length");
                long storedLength = in.varint("chunk stored length");
                int fragmentLength = in.intVarint("fragment length");
                in.count("fragments", minFragment, width);
                List<Manifest.Fragment> fragments = new ArrayList<>(width);
                for (int j = 0; j < width; j++) {
                    long osd = in.varint("OSD number");
                    if (osd > Integer.MAX_VALUE + 1L) {
                        throw new IntegrityException("manifest: OSD number " + (osd - 1) + " out of range");
                    }
                    long generation = generations ? in.varint("fragment generation") : 0;
                    fragments.add(new Manifest.Fragment((int) (osd - 1), Bytes.of(in.raw(checksumLength)),
                            generation));
                }
                chunks.add(new Manifest.Chunk(length, storedLength, fragmentLength, fragments));
            }
            if (in.position != end) {
                throw new IntegrityException("manifest: " + (end - in.position) + " bytes after the last chunk");
            }
            Manifest m = new Manifest(name, objectId, version, size, checksum, policy, compressor, cipher, keyId,
                    fragmentChecksum, erasureCodec, blockSize, chunks);
            if (generations && !hasGenerations(m)) {
                // The encoder writes such a manifest as version 1: a decoded manifest always encodes back to its bytes.
                throw new IntegrityException("manifest: version " + VERSION + " but every fragment generation is 0");
            }
            return m;
        } catch (IllegalArgumentException e) {
            // The record constructors' checks (policy rules, chunk sums, widths): a valid CRC over an invalid manifest.
            throw new IntegrityException("manifest: invalid content: " + e.getMessage(), e);
        }
    }

    private static int fragmentChecksumLength(Manifest m) {
        int length = -1;
        for (Manifest.Chunk c : m.chunks()) {
            for (Manifest.Fragment f : c.fragments()) {
                if (length < 0) {
                    length = f.checksum().length();
                } else if (f.checksum().length() != length) {
                    throw new IllegalArgumentException("manifest of " + m.name() + ": fragment checksums of "
                            + length + " and " + f.checksum().length() + " bytes; one algorithm gives one length");
                }
            }
        }
        return Math.max(length, 0);
    }

    private static boolean hasGenerations(Manifest m) {
        for (Manifest.Chunk c : m.chunks()) {
            for (Manifest.Fragment f : c.fragments()) {
                if (f.generation() != 0) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean isLowerHex(String s) {
        if ((s.length() & 1) != 0) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (!(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /** A growable byte array that exposes its buffer, so the CRC runs without a copy. */
    private static final class Out extends ByteArrayOutputStream {
        Out(int capacity) {
            super(capacity);
        }

        byte[] array() {
            return buf;
        }

        // ByteArrayOutputStream's writes are synchronized: a lock per byte for an encoder that one thread owns.
        @Override
        public void write(int b) {
            if (count == buf.length) {
                buf = java.util.Arrays.copyOf(buf, 2 * buf.length + 1);
            }
            buf[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (len > buf.length - count) {
                buf = java.util.Arrays.copyOf(buf, Math.max(2 * buf.length, count + len));
            }
            System.arraycopy(b, off, buf, count, len);
            count += len;
        }

        /** @return the buffer, after growing it by {@code n} bytes that the caller fills at {@code size() - n} */
        byte[] reserve(int n) {
            if (n > buf.length - count) {
                buf = java.util.Arrays.copyOf(buf, Math.max(2 * buf.length, count + n));
            }
            count += n;
            return buf;
        }

        void varint(long value) {
            long v = value;
            while ((v & ~0x7fL) != 0) {
                write((int) (v & 0x7f) | 0x80);
                v >>>= 7;
            }
            write((int) v);
        }

        void bytes(byte[] b) {
            varint(b.length);
            write(b, 0, b.length);
        }

        void string(String s) {
            bytes(s.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A reader over {@code [position, end)} that checks every length against what is left. */
    private static final class In {
        private final byte[] data;
        private final int end;
        int position;

        In(byte[] data, int position, int end) {
            this.data = data;
            this.position = position;
            this.end = end;
        }

        long varint(String field) {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (position >= end) {
                    throw new IntegrityException("manifest: truncated in the " + field);
                }
                int b = data[position++] & 0xff;
                if (shift == 63 && b > 0) {
                    // The tenth byte may only carry bit 63, and a non-negative value has none.
                    throw new IntegrityException("manifest: the " + field + " overflows 63 bits");
                }
                value |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    if (b == 0 && shift > 0) {
                        // Over-long: the encoder never writes a last byte of 0, so these bytes are not its.
                        throw new IntegrityException("manifest: the " + field + " is not in its shortest form");
                    }
                    return value;
                }
            }
            throw new IntegrityException("manifest: the " + field + " overflows 63 bits");
        }

        int intVarint(String field) {
            long v = varint(field);
            if (v > Integer.MAX_VALUE) {
                throw new IntegrityException("manifest: the " + field + " " + v + " is out of range");
            }
            return (int) v;
        }

        /** @return a length of at least {@code min} bytes' worth that the remaining bytes can hold */
        int length(String field, int min) {
            long v = varint(field);
            if (v > end - position) {
                throw new IntegrityException("manifest: the " + field + " " + v + " exceeds the " + (end - position)
                        + " bytes left");
            }
            return (int) Math.max(v, min);
        }

        /** @return a count of items of at least {@code itemBytes} bytes each that the remaining bytes can hold */
        int count(String field, long itemBytes) {
            long v = varint(field);
            check(field, v, itemBytes);
            return (int) v;
        }

        /** Checks that {@code n} items of at least {@code itemBytes} bytes each fit in what is left. */
        void count(String field, long itemBytes, int n) {
            check(field, n, itemBytes);
        }

        private void check(String field, long n, long itemBytes) {
            if (n > (end - position) / Math.max(itemBytes, 1)) {
                throw new IntegrityException("manifest: " + n + " " + field + " of at least " + itemBytes
                        + " bytes each cannot fit in the " + (end - position) + " bytes left");
            }
        }

        byte[] raw(int n) {
            if (n > end - position) {
                throw new IntegrityException("manifest: truncated: " + n + " bytes needed, " + (end - position)
                        + " left");
            }
            byte[] b = new byte[n];
            System.arraycopy(data, position, b, 0, n);
            position += n;
            return b;
        }

        byte[] bytes(String field) {
            return raw(length(field + " length", 0));
        }

        String string(String field) {
            byte[] b = bytes(field);
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
            } catch (CharacterCodingException e) {
                throw new IntegrityException("manifest: the " + field + " is not valid UTF-8", e);
            }
        }
    }
}
