package io.albireo.object.console.internal;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;
import org.apache.karaf.shell.support.completers.FileCompleter;

import io.albireo.api.object.ObjectInfo;
import io.albireo.api.object.Overwrite;
import io.albireo.console.support.NamespaceCompleter;

/** {@code object:put NS NAME FILE}: stores a file as an object, streaming it (never whole in memory). */
@Service
@Command(scope = "object", name = "put", description = "Stores a file as an object (streamed).")
public class ObjectPutCommand extends ObjectAction {

    @Argument(index = 0, name = "namespace", required = true, description = "The namespace")
    @Completion(NamespaceCompleter.class)
    String namespace;

    @Argument(index = 1, name = "name", required = true, description = "The object's name")
    String name;

    @Argument(index = 2, name = "file", required = true, description = "The file to store")
    @Completion(FileCompleter.class)
    String file;

    @Option(name = "--new", description = "Only if the name holds no object yet")
    boolean onlyNew;

    @Override
    void run() throws Exception {
        Path path = Path.of(file);
        if (!Files.isRegularFile(path)) {
            throw new CommandException("no such file: " + path.toAbsolutePath());
        }
        ObjectInfo info;
        try (InputStream in = Files.newInputStream(path)) {
            info = store.put(namespace, name, in, onlyNew ? Overwrite.NONE : Overwrite.UNCONDITIONAL);
        }
        if (json) {
            printJson(Map.of("namespace", info.namespace(), "name", info.name(), "objectId", info.objectId(),
                    "size", info.size(), "checksum", info.checksum().toString()));
        } else {
            System.out.println("stored " + namespace + "/" + name + ": " + info.size() + " bytes, id "
                    + info.objectId() + ", " + info.checksum());
        }
    }
}
