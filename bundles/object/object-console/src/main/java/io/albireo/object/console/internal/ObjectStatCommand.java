package io.albireo.object.console.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;
import org.apache.karaf.shell.support.table.ShellTable;

import io.albireo.api.metadata.Manifest;
import io.albireo.api.object.ObjectInfo;
import io.albireo.console.support.NamespaceCompleter;

/** {@code object:stat NS NAME}: size, id, checksum and the manifest: policy, algorithms, chunks and fragments. */
@Service
@Command(scope = "object", name = "stat", description = "Shows an object: size, id, checksum, and its manifest"
        + " (policy, algorithms, chunks, each fragment's OSD and checksum).")
public class ObjectStatCommand extends ObjectAction {

    @Argument(index = 0, name = "namespace", required = true, description = "The namespace")
    @Completion(NamespaceCompleter.class)
    String namespace;

    @Argument(index = 1, name = "name", required = true, description = "The object's name")
    String name;

    @Override
    void run() throws Exception {
        ObjectInfo info = store.stat(namespace, name).orElseThrow(() -> new CommandException("no object " + name
                + " in namespace " + namespace));
        Optional<Manifest> manifest = store.manifest(namespace, name);
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("namespace", namespace);
            out.put("name", name);
            out.put("objectId", info.objectId());
            out.put("size", info.size());
            out.put("checksum", info.checksum().toString());
            manifest.ifPresent(m -> out.put("manifest", manifestJson(m)));
            printJson(out);
            return;
        }
        System.out.println("object    " + namespace + "/" + name);
        System.out.println("size      " + info.size());
        System.out.println("id        " + info.objectId());
        System.out.println("checksum  " + info.checksum());
        if (manifest.isEmpty()) {
            System.out.println("manifest  (none: the object changed meanwhile)");
            return;
        }
        Manifest m = manifest.get();
        System.out.println("policy    " + m.policy() + ", " + m.chunks().size() + " chunk(s), stored "
                + m.storedBytes() + " bytes");
        System.out.println("algorithms  compressor " + m.compressor() + ", cipher " + m.cipher()
                + (m.keyId().isEmpty() ? "" : " (key " + m.keyId() + ")") + ", erasure " + m.erasureCodec()
                + ", fragment checksum " + m.fragmentChecksum() + ", block size " + m.blockSize());
        ShellTable table = new ShellTable();
        table.column("chunk").alignRight();
        table.column("length").alignRight();
        table.column("fragment").alignRight();
        table.column("OSD").alignRight();
        table.column("fragment bytes").alignRight();
        table.column("checksum");
        for (int c = 0; c < m.chunks().size(); c++) {
            Manifest.Chunk chunk = m.chunks().get(c);
            for (int f = 0; f < chunk.fragments().size(); f++) {
                Manifest.Fragment fragment = chunk.fragments().get(f);
                table.addRow().addContent(c, chunk.length(), f, fragment.written() ? fragment.osd() : "-",
                        chunk.fragmentLength(), hex(fragment));
            }
        }
        table.print(System.out);
    }

    private static String hex(Manifest.Fragment f) {
        return java.util.HexFormat.of().formatHex(f.checksum().toByteArray());
    }

    private static Map<String, Object> manifestJson(Manifest m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("policy", m.policy().toString());
        out.put("compressor", m.compressor());
        out.put("cipher", m.cipher());
        out.put("keyId", m.keyId());
        out.put("erasureCodec", m.erasureCodec());
        out.put("fragmentChecksum", m.fragmentChecksum());
        out.put("blockSize", m.blockSize());
        out.put("storedBytes", m.storedBytes());
        List<Object> chunks = new ArrayList<>();
        for (Manifest.Chunk c : m.chunks()) {
            List<Object> fragments = new ArrayList<>();
            for (Manifest.Fragment f : c.fragments()) {
                fragments.add(Map.of("osd", f.osd(), "checksum", hex(f)));
            }
            chunks.add(Map.of("length", c.length(), "storedLength", c.storedLength(), "fragmentLength",
                    c.fragmentLength(), "fragments", fragments));
        }
        out.put("chunks", chunks);
        return out;
    }
}
