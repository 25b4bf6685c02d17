package io.albireo.console.support;

import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/**
 * What every completer of names does: offers the names a listing returns that start with what the operator typed, and
 * offers nothing when the listing fails, so a store that is down or a service that went away never breaks the
 * console's tab key.
 */
public final class Completions {

    private Completions() {
    }

    /**
     * @param listing the names to offer; called once, on the console's thread, so it must be cheap
     * @return the position the candidates complete from, or -1 when there are none (as {@link StringsCompleter})
     */
    public static int complete(Session session, CommandLine commandLine, List<String> candidates,
            Supplier<? extends Collection<String>> listing) {
        Collection<String> names;
        try {
            names = listing.get();
        } catch (RuntimeException | LinkageError e) {
            return -1; // nothing to offer; completion must never fail the console
        }
        if (names == null || names.isEmpty()) {
            return -1;
        }
        return new StringsCompleter(names).complete(session, commandLine, candidates);
    }
}
