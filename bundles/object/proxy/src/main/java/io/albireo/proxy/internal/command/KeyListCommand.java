package io.albireo.proxy.internal.command;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;

import io.albireo.api.StorageException;
import io.albireo.proxy.internal.ProxyObjectStore;

/** {@code key:list}: the backend's data keys, never their secrets. */
@Service
@Command(scope = "key", name = "list", description = "Lists the backend's data keys: id (what manifests name), owner,"
        + " version, which one new writes use, when each was made, its length and the KEK it is wrapped under. Never"
        + " a key itself.")
public class KeyListCommand implements Action {

    @Reference
    ProxyObjectStore proxy;

    @Option(name = "--json", aliases = "-j", description = "Print the keys as JSON, for scripts")
    boolean json;

    @Override
    public Object execute() throws CommandException {
        try {
            System.out.print(json ? KeyText.json(proxy.keys().stream().map(KeyText::tree).toList())
                    : KeyText.table(proxy.keys()));
        } catch (StorageException e) {
            throw new CommandException(e.getMessage());
        }
        return null;
    }
}
