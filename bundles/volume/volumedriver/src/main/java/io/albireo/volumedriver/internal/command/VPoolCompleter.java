package io.albireo.volumedriver.internal.command;

import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;

import io.albireo.api.volume.VPool;
import io.albireo.api.volume.VolumeService;
import io.albireo.console.support.Completions;

/** Completes vPool names. */
@Service
public class VPoolCompleter implements Completer {

    @Reference(optional = true)
    VolumeService volumes;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        VolumeService v = volumes;
        return Completions.complete(session, commandLine, candidates,
                () -> v == null ? List.of() : v.listVPools().stream().map(VPool::name).toList());
    }
}
