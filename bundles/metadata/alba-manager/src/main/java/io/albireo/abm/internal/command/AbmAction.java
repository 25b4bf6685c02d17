package io.albireo.abm.internal.command;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.support.CommandException;

import com.google.gson.GsonBuilder;

import io.albireo.api.StorageException;
import io.albireo.api.metadata.AlbaManager;

/**
 * What the ABM's commands share: the AlbaManager, {@code --json}, and refusals turned into command errors (so
 * {@code bin/client} exits 1 and prints the reason).
 */
abstract class AbmAction implements Action {

    @Reference(optional = true)
    AlbaManager abm;

    @Option(name = "--json", aliases = "-j", description = "Print the result as JSON, for scripts")
    boolean json;

    @Override
    public final Object execute() throws Exception {
        if (abm == null) {
            throw new CommandException("the ALBA manager is not running: 'scr:list' shows why (it needs a metadata"
                    + " store: feature:install albireo-metadata)");
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
