package io.albireo.proxy.internal.command;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;

import io.albireo.api.StorageException;
import io.albireo.proxy.internal.KeyInfo;
import io.albireo.proxy.internal.ProxyObjectStore;

/** {@code key:rotate}: a new version of a preset's data key, for new writes. */
@Service
@Command(scope = "key", name = "rotate", description = "Makes a new version of a preset's data key, wrapped under"
        + " the KEK and stored in the backend: new writes use it, objects written before keep reading with the"
        + " version they name.", detailedDescription = "Every proxy of the backend uses the new version from its"
        + " next put. Old versions stay: objects name them. Example: key:rotate default")
public class KeyRotateCommand implements Action {

    @Reference
    ProxyObjectStore proxy;

    @Argument(index = 0, name = "preset", required = true, description = "The preset, one with a cipher")
    @Completion(EncryptedPresetCompleter.class)
    String preset;

    @Option(name = "--json", aliases = "-j", description = "Print the new key's id and version as JSON, for scripts")
    boolean json;

    @Override
    public Object execute() throws CommandException {
        KeyInfo k;
        try {
            k = proxy.rotateKey(preset);
        } catch (StorageException | IllegalArgumentException e) {
            throw new CommandException(e.getMessage());
        }
        System.out.print(json ? KeyText.json(KeyText.tree(k)) : KeyText.rotated(k));
        return null;
    }
}
