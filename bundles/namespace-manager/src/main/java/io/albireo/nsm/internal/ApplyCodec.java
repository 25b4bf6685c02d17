package io.albireo.nsm.internal;

import java.io.ByteArrayOutputStream;
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
import io.albireo.api.metadata.NamespaceManager.Delete;
import io.albireo.api.metadata.NamespaceManager.Put;
import io.albireo.api.object.Overwrite;

/**
 * The argument and result of {@code nsm.apply}, in binary (docs/MANIFEST.md). Argument: the namespace id (8 bytes BE),
 * the change count (4 bytes BE), then per change a kind byte ({@code P} put, {@code D} delete), the condition (a byte:
 * 0 none, 1 existing, 2 unconditional, 3 previous followed by the object id as a string), then for a put the
 * manifest's stored form and for a delete the name, both as a 4-byte BE length and the bytes. Result: the count, then
 * per change 0 (none) or 1 and a manifest's stored form.
 */
final class ApplyCodec {
    private static final byte PUT = 'P';
    private static final byte DELETE = 'D';

    private ApplyCodec() {
    }

    /** The decoded argument. */
    record Argument(long namespaceId, List<Change> changes) {
    }

    static Bytes encodeArgument(long namespaceId, List<Change> changes) {
        Out out = new Out();
        out.writeBytes(ByteBuffer.allocate(12).putLong(namespaceId).putInt(changes.size()).array());
        for (Change c : changes) {
            out.write(c instanceof Put ? PUT : DELETE);
            Overwrite o = c.overwrite();
            if (o instanceof Overwrite.Previous p) {
                out.write(3);
                out.block(p.objectId().getBytes(StandardCharsets.UTF_8));
            } else {
                out.write(o instanceof Overwrite.None ? 0 : o instanceof Overwrite.Existing ? 1 : 2);
            }
            if (c instanceof Put put) {
                out.block(ManifestFormat.encode(put.manifest()));
            } else {
                out.block(c.name().getBytes(StandardCharsets.UTF_8));
            }
        }
        return Bytes.adopt(out.toByteArray());
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
            for (int i = 0; i < count; i++) {
                byte kind = in.get();
                Overwrite overwrite = switch (in.get()) {
                    case 0 -> Overwrite.NONE;
                    case 1 -> Overwrite.EXISTING;
                    case 2 -> Overwrite.UNCONDITIONAL;
                    case 3 -> Overwrite.previous(new String(block(in), StandardCharsets.UTF_8));
                    default -> throw new MetadataException("nsm.apply: malformed argument: unknown condition");
                };
                if (kind == PUT) {
                    changes.add(new Put(ManifestFormat.decode(block(in)), overwrite));
                } else if (kind == DELETE) {
                    changes.add(new Delete(new String(block(in), StandardCharsets.UTF_8), overwrite));
                } else {
                    throw new MetadataException("nsm.apply: malformed argument: unknown change " + kind);
                }
            }
            if (in.hasRemaining()) {
                throw new MetadataException("nsm.apply: malformed argument: " + in.remaining() + " bytes too many");
            }
            return new Argument(id, changes);
        } catch (BufferUnderflowException e) {
            throw new MetadataException("nsm.apply: malformed argument: truncated");
        }
    }

    static Bytes encodeResult(List<Optional<Manifest>> results) {
        Out out = new Out();
        out.writeBytes(ByteBuffer.allocate(4).putInt(results.size()).array());
        for (Optional<Manifest> r : results) {
            if (r.isPresent()) {
                out.write(1);
                out.block(ManifestFormat.encode(r.get()));
            } else {
                out.write(0);
            }
        }
        return Bytes.adopt(out.toByteArray());
    }

    static List<Optional<Manifest>> decodeResult(Bytes result) {
        ByteBuffer in = result.asReadOnlyBuffer();
        try {
            int count = in.getInt();
            if (count < 0 || count > in.remaining()) {
                throw new MetadataException("nsm.apply: malformed result: " + count + " manifests");
            }
            List<Optional<Manifest>> out = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                out.add(in.get() == 0 ? Optional.empty() : Optional.of(ManifestFormat.decode(block(in))));
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

    private static final class Out extends ByteArrayOutputStream {
        Out() {
            super(512);
        }

        void block(byte[] b) {
            writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
            writeBytes(b);
        }
    }
}
