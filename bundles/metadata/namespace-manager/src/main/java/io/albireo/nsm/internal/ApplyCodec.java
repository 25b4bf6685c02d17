package io.albireo.nsm.internal;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.albireo.api.Bytes;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.ManifestFormat;
import io.albireo.api.metadata.MetadataException;
import io.albireo.api.metadata.NamespaceManager.Change;
import io.albireo.api.metadata.NamespaceManager.Check;
import io.albireo.api.metadata.NamespaceManager.Delete;
import io.albireo.api.metadata.NamespaceManager.Put;
import io.albireo.api.object.Overwrite;

/**
 * The argument and result of {@code nsm.apply}, in binary (docs/MANIFEST.md). Argument: the namespace id (8 bytes BE),
 * the change count (4 bytes BE), then per change a kind byte ({@code P} put, {@code D} delete, {@code C} check), the
 * condition (a byte: 0 none, 1 existing, 2 unconditional, 3 previous followed by the object id as a string, 4 version
 * followed by the object id as a string and the version, 8 bytes BE), then for a put the manifest's stored form and
 * for a delete or a check the name, both as a 4-byte BE length and the bytes. Result: the count, then
 * per change 1 and the stored version (8 bytes BE) for a put, 2 and the deleted manifest's stored form (4-byte BE
 * length and bytes) for a delete, 0 for a delete of nothing: the caller has the rest already.
 */
final class ApplyCodec {
    private static final byte PUT = 'P';
    private static final byte DELETE = 'D';
    private static final byte CHECK = 'C';
    private static final byte ABSENT = 0;
    private static final byte STORED = 1;
    private static final byte DELETED = 2;

    private ApplyCodec() {
    }

    /** The decoded argument; {@code manifests}: per change the put's manifest as sent (its stored form), or null. */
    record Argument(long namespaceId, List<Change> changes, List<byte[]> manifests) {
    }

    static Bytes encodeArgument(long namespaceId, List<Change> changes) {
        // Encoded first so that the buffer has its exact size: no copy of ~400 KB per batch of 1000 puts.
        List<byte[]> blocks = new ArrayList<>(changes.size());
        int size = 12;
        for (Change c : changes) {
            byte[] b = c instanceof Put put ? ManifestFormat.encode(put.manifest())
                    : c.name().getBytes(StandardCharsets.UTF_8);
            blocks.add(b);
            size += 6 + b.length + (c.overwrite() instanceof Overwrite.Previous p
                    ? 4 + p.objectId().getBytes(StandardCharsets.UTF_8).length
                    : c.overwrite() instanceof Overwrite.Version v
                    ? 4 + v.objectId().getBytes(StandardCharsets.UTF_8).length + 8 : 0);
        }
        Out out = new Out(size);
        out.int64(namespaceId);
        out.int32(changes.size());
        for (int i = 0; i < changes.size(); i++) {
            Change c = changes.get(i);
            out.write(c instanceof Put ? PUT : c instanceof Delete ? DELETE : CHECK);
            Overwrite o = c.overwrite();
            if (o instanceof Overwrite.Previous p) {
                out.write(3);
                out.block(p.objectId().getBytes(StandardCharsets.UTF_8));
            } else if (o instanceof Overwrite.Version v) {
                out.write(4);
                out.block(v.objectId().getBytes(StandardCharsets.UTF_8));
                out.int64(v.version());
            } else {
                out.write(o instanceof Overwrite.None ? 0 : o instanceof Overwrite.Existing ? 1 : 2);
            }
            out.block(blocks.get(i));
        }
        return Bytes.adopt(out.bytes());
    }

    /** @throws MetadataException if the argument is malformed (a client of another version, or a bug) */
    static Argument decodeArgument(Bytes argument) {
        ByteBuffer in = argument.asReadOnlyBuffer();
        try {
            long id = in.getLong();
            int count = in.getInt();
            // Each change takes at least 6 bytes: bounds the list by what was sent.
            if (count < 0 || count > in.remaining() / 6) {
                throw new MetadataException("nsm.apply: malformed argument: " + count + " changes");
            }
            List<Change> changes = new ArrayList<>(count);
            List<byte[]> manifests = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                byte kind = in.get();
                Overwrite overwrite = switch (in.get()) {
                    case 0 -> Overwrite.NONE;
                    case 1 -> Overwrite.EXISTING;
                    case 2 -> Overwrite.UNCONDITIONAL;
                    case 3 -> Overwrite.previous(new String(block(in), StandardCharsets.UTF_8));
                    case 4 -> version(new String(block(in), StandardCharsets.UTF_8), in.getLong());
                    default -> throw new MetadataException("nsm.apply: malformed argument: unknown condition");
                };
                if (kind == PUT) {
                    byte[] stored = block(in);
                    changes.add(new Put(ManifestFormat.decode(stored), overwrite));
                    manifests.add(stored);
                } else if (kind == DELETE) {
                    changes.add(new Delete(new String(block(in), StandardCharsets.UTF_8), overwrite));
                    manifests.add(null);
                } else if (kind == CHECK) {
                    changes.add(new Check(new String(block(in), StandardCharsets.UTF_8), overwrite));
                    manifests.add(null);
                } else {
                    throw new MetadataException("nsm.apply: malformed argument: unknown change " + kind);
                }
            }
            if (in.hasRemaining()) {
                throw new MetadataException("nsm.apply: malformed argument: " + in.remaining() + " bytes too many");
            }
            return new Argument(id, changes, manifests);
        } catch (BufferUnderflowException e) {
            throw new MetadataException("nsm.apply: malformed argument: truncated");
        }
    }

    private static Overwrite version(String objectId, long version) {
        if (version < 1) {
            throw new MetadataException("nsm.apply: malformed argument: a version of " + version);
        }
        return Overwrite.version(objectId, version);
    }

    /** What one change did, as the operation reports it: only what the caller cannot know already. */
    sealed interface Outcome {
    }

    /** A put, stored with this version. */
    record Stored(long version) implements Outcome {
    }

    /** A delete: the stored form of the manifest it deleted, or null if there was none. */
    record Deleted(byte[] previous) implements Outcome {
    }

    static Bytes encodeResult(List<Outcome> results) {
        Out out = new Out(4 + 9 * results.size());
        out.int32(results.size());
        for (Outcome r : results) {
            if (r instanceof Stored s) {
                out.write(STORED);
                out.int64(s.version());
            } else if (((Deleted) r).previous() != null) {
                out.write(DELETED);
                out.block(((Deleted) r).previous());
            } else {
                out.write(ABSENT);
            }
        }
        return Bytes.adopt(out.bytes());
    }

    /** @return per change the stored manifest of a put, or what a delete deleted */
    static List<Optional<Manifest>> decodeResult(Bytes result, List<Change> changes) {
        ByteBuffer in = result.asReadOnlyBuffer();
        try {
            int count = in.getInt();
            if (count != changes.size()) {
                throw new MetadataException("nsm.apply: malformed result: " + count + " outcomes for "
                        + changes.size() + " changes");
            }
            List<Optional<Manifest>> out = new ArrayList<>(count);
            for (Change c : changes) {
                byte kind = in.get();
                if (kind == STORED && c instanceof Put put) {
                    out.add(Optional.of(put.manifest().withVersion(in.getLong())));
                } else if (kind == DELETED && c instanceof Delete) {
                    out.add(Optional.of(ManifestFormat.decode(block(in))));
                } else if (kind == ABSENT && (c instanceof Delete || c instanceof Check)) {
                    out.add(Optional.empty());
                } else {
                    throw new MetadataException("nsm.apply: malformed result: outcome " + kind + " for " + c);
                }
            }
            return out;
        } catch (BufferUnderflowException e) {
            throw new MetadataException("nsm.apply: malformed result: truncated");
        }
    }

    private static byte[] block(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new MetadataException("nsm.apply: malformed argument: a length of " + length + " with "
                    + in.remaining() + " bytes left");
        }
        byte[] b = new byte[length];
        in.get(b);
        return b;
    }

}
