package io.albireo.codec.registry.internal.command;

import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes codec family names. */
@Service
public class FamilyCompleter implements Completer {
    static final List<String> FAMILIES = List.of("checksum", "compressor", "cipher", "erasure-codec");

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(FAMILIES).complete(session, commandLine, candidates);
    }
}
