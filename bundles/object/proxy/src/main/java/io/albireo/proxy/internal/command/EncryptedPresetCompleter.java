package io.albireo.proxy.internal.command;

import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.Preset;

/** Completes the names of the presets that encrypt: the ones with keys to rotate. */
@Service
public class EncryptedPresetCompleter implements Completer {

    @Reference
    AlbaManager abm;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(names(abm)).complete(session, commandLine, candidates);
    }

    static List<String> names(AlbaManager abm) {
        return abm.presets().stream().filter(p -> !"none".equals(p.cipher())).map(Preset::name).toList();
    }
}
