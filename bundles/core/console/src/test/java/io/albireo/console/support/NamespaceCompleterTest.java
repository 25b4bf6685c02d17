package io.albireo.console.support;

import static io.albireo.console.support.StandIns.complete;
import static io.albireo.console.support.StandIns.stub;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.albireo.api.StorageException;
import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.object.ObjectStore;

class NamespaceCompleterTest {

    private static AlbaManager abm(String... names) {
        List<Namespace> namespaces = Arrays.stream(names)
                .map(n -> new Namespace(n, n.length(), "default", "nsm-1", Namespace.State.ACTIVE)).toList();
        return stub(AlbaManager.class, Map.of("namespaces", args -> namespaces));
    }

    @Test
    void offersTheAbmsNamespacesThatStartWithWhatWasTyped() {
        NamespaceCompleter completer = new NamespaceCompleter();
        completer.abm = abm("other", "stats-ns", "store");
        assertEquals(List.of("stats-ns", "store"), complete(completer, "object:get st"));
        assertEquals(List.of("other", "stats-ns", "store"), complete(completer, "namespace:show "));
        assertEquals(List.of(), complete(completer, "namespace:show x"));
    }

    @Test
    void withoutAnAbmOffersTheObjectStoresNamespaces() {
        NamespaceCompleter completer = new NamespaceCompleter();
        completer.store = stub(ObjectStore.class, Map.of("listNamespaces", args -> List.of("remote-a", "remote-b")));
        assertEquals(List.of("remote-a", "remote-b"), complete(completer, "object:list remote"));
    }

    @Test
    void theAbmIsAskedFirstAndTheObjectStoreNotAtAll() {
        NamespaceCompleter completer = new NamespaceCompleter();
        completer.abm = abm("local");
        completer.store = stub(ObjectStore.class, Map.of()); // any call on it fails the test
        assertEquals(List.of("local"), complete(completer, "object:stat "));
    }

    @Test
    void offersNothingWithoutAServiceOrWhenTheListingFails() {
        NamespaceCompleter completer = new NamespaceCompleter();
        assertEquals(List.of(), complete(completer, "object:get "));
        completer.store = stub(ObjectStore.class, Map.of("listNamespaces", args -> {
            throw new StorageException("the proxy at 10.0.0.7:10000 does not answer");
        }));
        assertEquals(List.of(), complete(completer, "object:get "));
        completer.abm = stub(AlbaManager.class, Map.of("namespaces", args -> {
            throw new IllegalStateException("the metadata store is closed");
        }));
        assertEquals(List.of(), complete(completer, "namespace:delete "));
    }
}
