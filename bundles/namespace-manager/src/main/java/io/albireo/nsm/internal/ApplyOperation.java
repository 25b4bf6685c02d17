package io.albireo.nsm.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.osgi.service.component.annotations.Component;

import io.albireo.api.AlbireoName;
import io.albireo.api.AssertFailedException;
import io.albireo.api.Bytes;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.ManifestFormat;
import io.albireo.api.metadata.MetadataOperation;
import io.albireo.api.metadata.MetadataTransaction;
import io.albireo.api.metadata.NamespaceManager.Change;
import io.albireo.api.metadata.NamespaceManager.FragmentRef;
import io.albireo.api.metadata.NamespaceManager.NamespaceStatistics;
import io.albireo.api.metadata.NamespaceManager.Put;
import io.albireo.api.object.Overwrite;

/**
 * {@code nsm.apply}: every NSM mutation. Per change, in order: check the condition against what the name holds in
 * this transaction (so a later change sees an earlier one), set the version, write or delete the manifest, move the
 * reverse index from the old manifest's written fragments to the new one's, adjust the statistics. A failed condition
 * throws {@link AssertFailedException} and the store applies nothing. Deterministic: it reads only the transaction.
 */
@Component
@AlbireoName(ApplyOperation.NAME)
public final class ApplyOperation implements MetadataOperation {
    /** The operation's name. */
    public static final String NAME = "nsm.apply";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Bytes apply(MetadataTransaction tx, Bytes argument) {
        ApplyCodec.Argument arg = ApplyCodec.decodeArgument(argument);
        NsmKeys keys = new NsmKeys(arg.namespaceId());
        NamespaceStatistics before = readStatistics(tx, keys);
        long objects = before.objects();
        long logical = before.logicalBytes();
        long stored = before.storedBytes();
        List<ApplyCodec.Outcome> results = new ArrayList<>(arg.changes().size());
        for (int i = 0; i < arg.changes().size(); i++) {
            Change change = arg.changes().get(i);
            Bytes key = keys.manifest(change.name());
            Optional<Manifest> previous = tx.get(key).map(b -> ManifestFormat.decode(b.toByteArray()));
            if (!holds(change.overwrite(), previous)) {
                throw new AssertFailedException(i, key);
            }
            previous.ifPresent(p -> index(tx, keys, p, false));
            if (previous.isPresent()) {
                objects--;
                logical -= previous.get().size();
                stored -= previous.get().storedBytes();
            }
            if (change instanceof Put put) {
                Manifest m = put.manifest().withVersion(previous.map(Manifest::version).orElse(0L) + 1);
                tx.put(key, Bytes.adopt(ManifestFormat.encode(m)));
                index(tx, keys, m, true);
                objects++;
                logical += m.size();
                stored += m.storedBytes();
                results.add(new ApplyCodec.Stored(m.version()));
            } else {
                previous.ifPresent(p -> tx.delete(key));
                results.add(new ApplyCodec.Deleted(previous));
            }
        }
        tx.put(keys.statistics(), Bytes.adopt(ByteBuffer.allocate(24).putLong(objects).putLong(logical)
                .putLong(stored).array()));
        return ApplyCodec.encodeResult(results);
    }

    static boolean holds(Overwrite overwrite, Optional<Manifest> previous) {
        if (overwrite instanceof Overwrite.None) {
            return previous.isEmpty();
        } else if (overwrite instanceof Overwrite.Existing) {
            return previous.isPresent();
        } else if (overwrite instanceof Overwrite.Previous p) {
            return previous.isPresent() && previous.get().objectId().equals(p.objectId());
        }
        return true;
    }

    /** Adds or removes the reverse index entries of {@code m}'s written fragments. */
    private static void index(MetadataTransaction tx, NsmKeys keys, Manifest m, boolean add) {
        for (int c = 0; c < m.chunks().size(); c++) {
            List<Manifest.Fragment> fragments = m.chunks().get(c).fragments();
            for (int f = 0; f < fragments.size(); f++) {
                int osd = fragments.get(f).osd();
                if (osd != Manifest.Fragment.NOT_WRITTEN) {
                    Bytes key = keys.fragment(osd, new FragmentRef(m.name(), m.objectId(), c, f));
                    if (add) {
                        tx.put(key, Bytes.EMPTY);
                    } else {
                        tx.delete(key);
                    }
                }
            }
        }
    }

    static NamespaceStatistics readStatistics(MetadataTransaction tx, NsmKeys keys) {
        return tx.get(keys.statistics()).map(ApplyOperation::statistics).orElse(new NamespaceStatistics(0, 0, 0));
    }

    static NamespaceStatistics statistics(Bytes value) {
        ByteBuffer b = value.asReadOnlyBuffer();
        return new NamespaceStatistics(b.getLong(), b.getLong(), b.getLong());
    }
}
