package io.albireo.object.console.internal;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;
import org.apache.karaf.shell.support.completers.FileCompleter;

import io.albireo.console.support.NamespaceCompleter;

/** {@code object:get NS NAME FILE}: writes an object to a file. */
@Service
@Command(scope = "object", name = "get", description = "Writes an object to a file.")
public class ObjectGetCommand extends ObjectAction {

    @Argument(index = 0, name = "namespace", required = true, description = "The namespace")
    @Completion(NamespaceCompleter.class)
    String namespace;

    @Argument(index = 1, name = "name", required = true, description = "The object's name")
    String name;

    @Argument(index = 2, name = "file", required = true, description = "The file to write (replaced)")
    @Completion(FileCompleter.class)
    String file;

    @Override
    void run() throws Exception {
        ByteBuffer data = store.get(namespace, name).orElseThrow(() -> new CommandException("no object " + name
                + " in namespace " + namespace));
        long size = data.remaining();
        try (FileChannel out = FileChannel.open(Path.of(file), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (data.hasRemaining()) {
                out.write(data);
            }
        }
        if (json) {
            printJson(Map.of("namespace", namespace, "name", name, "size", size, "file", file));
        } else {
            System.out.println("wrote " + size + " bytes of " + namespace + "/" + name + " to " + file);
        }
    }
}
