package io.albireo.abm.internal.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.parsing.CommandLineImpl;
import org.junit.jupiter.api.Test;

import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.ClaimedOsd;

class ClaimedOsdCompleterTest {

    private static ClaimedOsd osd(int number, String longId, ClaimedOsd.State state) {
        return new ClaimedOsd(number, longId, "node-1", "asd", List.of("127.0.0.1"), 8600 + number, state);
    }

    /** An AlbaManager that answers osds() only: any other call fails the test. */
    private static AlbaManager abm(Supplier<List<ClaimedOsd>> osds) {
        return (AlbaManager) Proxy.newProxyInstance(AlbaManager.class.getClassLoader(),
                new Class<?>[] {AlbaManager.class}, (proxy, method, args) -> {
                    if (method.getName().equals("osds")) {
                        return osds.get();
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    /** The session is never asked anything: a stand-in that refuses every call. */
    private static final Session SESSION = (Session) Proxy.newProxyInstance(Session.class.getClassLoader(),
            new Class<?>[] {Session.class}, (proxy, method, args) -> {
                throw new UnsupportedOperationException(method.getName());
            });

    /** @return the candidates for the line, cursor at its end, as the console would ask */
    private static List<String> complete(ClaimedOsdCompleter completer, String buffer) {
        String[] arguments = buffer.split(" ", -1);
        int last = arguments.length - 1;
        CommandLine line = new CommandLineImpl(arguments, last, arguments[last].length(), buffer.length(), buffer);
        List<String> candidates = new ArrayList<>();
        int at = completer.complete(SESSION, line, candidates);
        assertEquals(candidates.isEmpty(), at == -1, "-1 exactly when nothing is offered");
        return candidates.stream().map(String::strip).toList();
    }

    @Test
    void offersEveryClaimedOsdDecommissionedOnesIncluded() {
        ClaimedOsdCompleter completer = new ClaimedOsdCompleter();
        completer.abm = abm(() -> List.of(osd(2, "b-asd", ClaimedOsd.State.CLAIMED),
                osd(1, "gone-asd", ClaimedOsd.State.DECOMMISSIONED), osd(3, "a-asd", ClaimedOsd.State.CLAIMED)));
        assertEquals(List.of("a-asd", "b-asd", "gone-asd"), complete(completer, "osd:purge "));
        assertEquals(List.of("gone-asd"), complete(completer, "osd:purge g"));
    }

    @Test
    void offersNothingWithoutTheAbmOrWhenItFails() {
        ClaimedOsdCompleter completer = new ClaimedOsdCompleter();
        assertEquals(List.of(), complete(completer, "osd:decommission "));
        completer.abm = abm(() -> {
            throw new IllegalStateException("the metadata store is closed");
        });
        assertEquals(List.of(), complete(completer, "osd:decommission "));
    }
}
