package io.albireo.codec.registry.internal.command;

import java.util.List;
import java.util.TreeSet;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

import io.albireo.api.codec.CodecRegistry;

/** Completes the names of the algorithms active now. */
@Service
public class AlgorithmCompleter implements Completer {

    @Reference
    CodecRegistry registry;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        TreeSet<String> names = new TreeSet<>();
        registry.algorithms().stream().filter(CodecRegistry.AlgorithmInfo::active).forEach(a -> names.add(a.name()));
        return new StringsCompleter(names).complete(session, commandLine, candidates);
    }
}
