package io.albireo.nsm.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.albireo.api.Bytes;
import io.albireo.api.metadata.NamespaceManager.FragmentRef;

/**
 * The NSM's keys in the metadata store (docs/MANIFEST.md): {@code nsm/} and the namespace id (8 bytes big-endian,
 * so a namespace's keys are one contiguous range and its name can be reused), then
 * <ul>
 * <li>{@code o} + name: the manifest, in {@link io.albireo.api.metadata.ManifestFormat}; names sort as bytes;</li>
 * <li>{@code f} + OSD (4 bytes BE) + name length (varint) + name + object id + chunk (4 bytes BE) + fragment (2 bytes
 * BE): empty, the reverse index; one OSD's fragments are one range;</li>
 * <li>{@code s}: the statistics, three 8-byte BE counts (objects, logical bytes, stored bytes).</li>
 * </ul>
 */
final class NsmKeys {
    private static final byte[] ROOT = "nsm/".getBytes(StandardCharsets.US_ASCII);
    private static final byte MANIFEST = 'o';
    private static final byte FRAGMENT = 'f';
    private static final byte STATISTICS = 's';

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

    /** @return the prefix of the reverse index entries of {@code osd} */
    Bytes fragmentsOn(int osd) {
        return prefix.concat(Bytes.adopt(ByteBuffer.allocate(5).put(FRAGMENT).putInt(osd).array()));
    }

    /** @return the reverse index entry of fragment {@code ref} on {@code osd} */
    Bytes fragment(int osd, FragmentRef ref) {
        byte[] name = ref.name().getBytes(StandardCharsets.UTF_8);
        byte[] id = ref.objectId().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(name.length + id.length + 12);
        for (long v = name.length; ; v >>>= 7) {
            if (v < 0x80) {
                out.write((int) v);
                break;
            }
            out.write((int) (v & 0x7f) | 0x80);
        }
        out.write(name, 0, name.length);
        out.write(id, 0, id.length);
        out.writeBytes(ByteBuffer.allocate(6).putInt(ref.chunk()).putShort((short) ref.fragment()).array());
        return fragmentsOn(osd).concat(Bytes.adopt(out.toByteArray()));
    }

    /** @return the fragment of a reverse index key */
    FragmentRef fragmentRef(Bytes key) {
        ByteBuffer b = key.asReadOnlyBuffer();
        b.position(prefix.length() + 5);
        int nameLength = 0;
        for (int shift = 0; ; shift += 7) {
            int x = b.get() & 0xff;
            nameLength |= (x & 0x7f) << shift;
            if (x < 0x80) {
                break;
            }
        }
        int nameStart = b.position();
        int idStart = nameStart + nameLength;
        int tail = key.length() - 6;
        b.position(tail);
        return new FragmentRef(key.slice(nameStart, idStart).utf8(), key.slice(idStart, tail).utf8(), b.getInt(),
                b.getShort() & 0xffff);
    }
}
