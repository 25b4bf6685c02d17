package io.albireo.metadata.rocksdb.internal;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import io.albireo.api.Bytes;
import io.albireo.api.StorageException;
import io.albireo.api.metadata.MetadataOperation;
import io.albireo.api.metadata.MetadataTransaction;

/** Operations the tests run through execute. */
final class TestOperations {
    private TestOperations() {
    }

    /** "cas": argument "key=expected>new" (expected "-" for absent); answers "1" if it swapped, "0" if not. */
    static final MetadataOperation CAS = op("cas", (tx, arg) -> {
        String[] s = arg.utf8().split("[=>]", 3);
        Optional<Bytes> now = tx.get(Bytes.utf8(s[0]));
        boolean holds = s[1].equals("-") ? now.isEmpty() : now.map(v -> v.utf8().equals(s[1])).orElse(false);
        if (holds) {
            tx.put(Bytes.utf8(s[0]), Bytes.utf8(s[2]));
        }
        return Bytes.utf8(holds ? "1" : "0");
    });

    /** "incr": adds one to the decimal counter under the argument key; answers the new value. */
    static final MetadataOperation INCR = op("incr", (tx, arg) -> {
        long n = tx.get(arg).map(v -> Long.parseLong(v.utf8())).orElse(0L) + 1;
        tx.put(arg, Bytes.utf8(Long.toString(n)));
        return Bytes.utf8(Long.toString(n));
    });

    /** "write-then-fail": writes the argument key, then throws. */
    static final MetadataOperation FAIL = op("write-then-fail", (tx, arg) -> {
        tx.put(arg, Bytes.utf8("leaked"));
        throw new StorageException("refused on purpose");
    });

    /** "copy": reads key "src", writes it to "dst" and reads it back: its own writes must be visible. */
    static final MetadataOperation COPY = op("copy", (tx, arg) -> {
        Bytes v = tx.get(Bytes.utf8("src")).orElse(Bytes.utf8("none"));
        tx.put(Bytes.utf8("dst"), v);
        return tx.get(Bytes.utf8("dst")).orElseThrow();
    });

    static Function<String, MetadataOperation> all() {
        Map<String, MetadataOperation> ops = Map.of(CAS.name(), CAS, INCR.name(), INCR, FAIL.name(), FAIL,
                COPY.name(), COPY);
        return ops::get;
    }

    interface Body {
        Bytes apply(MetadataTransaction tx, Bytes arg);
    }

    static MetadataOperation op(String name, Body body) {
        return new MetadataOperation() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Bytes apply(MetadataTransaction transaction, Bytes argument) {
                return body.apply(transaction, argument);
            }
        };
    }
}
