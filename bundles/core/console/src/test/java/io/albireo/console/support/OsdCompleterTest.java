package io.albireo.console.support;

import static io.albireo.console.support.StandIns.complete;
import static io.albireo.console.support.StandIns.stub;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

import io.albireo.api.AlbireoName;
import io.albireo.api.osd.Osd;

class OsdCompleterTest {

    /** @return a bundle context whose registry holds Osd services of these names (null: one without a name) */
    private static BundleContext registry(String... names) {
        List<ServiceReference<?>> refs = new ArrayList<>();
        for (String name : names) {
            refs.add(stub(ServiceReference.class, Map.of("getProperty",
                    args -> AlbireoName.PROPERTY.equals(args[0]) ? name : null)));
        }
        // getServiceReferences only: a completer that got (and so activated) an Osd would fail here
        return stub(BundleContext.class, Map.of("getServiceReferences", args -> {
            if (args[0] != Osd.class) {
                throw new AssertionError("asked for " + args[0]);
            }
            return refs;
        }));
    }

    @Test
    void offersTheLongIdsOfTheOsdsRegisteredNowSorted() {
        OsdCompleter completer = new OsdCompleter();
        completer.context = registry("node-b-asd-2", "node-a-asd-1", null, "other-7");
        assertEquals(List.of("node-a-asd-1", "node-b-asd-2"), complete(completer, "osd:bench node"));
        assertEquals(List.of("node-a-asd-1", "node-b-asd-2", "other-7"), complete(completer, "osd:claim "));
        assertEquals(List.of("node-a-asd-1", "node-b-asd-2", "other-7"), OsdCompleter.names(completer.context));
    }

    @Test
    void offersNothingWithoutOsdsOrWhenTheBundleStopped() {
        OsdCompleter completer = new OsdCompleter();
        completer.context = registry();
        assertEquals(List.of(), complete(completer, "osd:stats "));
        completer.context = stub(BundleContext.class, Map.of("getServiceReferences", args -> {
            throw new IllegalStateException("Invalid BundleContext.");
        }));
        assertEquals(List.of(), complete(completer, "osd:stats "));
    }
}
