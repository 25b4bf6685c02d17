package io.albireo.object.console.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.support.CommandException;

import com.google.gson.GsonBuilder;

import io.albireo.api.StorageException;
import io.albireo.api.object.ObjectStore;

/**
 * What the object commands share: the ObjectStore service (whichever: the proxy, or a ProxyClient registered as one),
 * {@code --json}, and failures turned into command errors (so {@code bin/client} exits 1 and prints the reason).
 */
abstract class ObjectAction implements Action {

    @Reference(optional = true)
    ObjectStore store;

    @Option(name = "--json", aliases = "-j", description = "Print the result as JSON, for scripts")
    boolean json;

    @Override
    public final Object execute() throws Exception {
        if (store == null) {
            throw new CommandException("no ObjectStore service: the proxy is not running ('scr:list' shows why)");
        }
        try {
            run();
        } catch (StorageException | IllegalArgumentException e) {
            throw new CommandException(e.getMessage());
        }
        return null;
    }

    /** Does the command's work, printing to System.out. */
    abstract void run() throws Exception;

    void printJson(Object value) {
        System.out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(value));
    }
}
