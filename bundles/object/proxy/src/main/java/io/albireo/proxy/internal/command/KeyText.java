package io.albireo.proxy.internal.command;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.karaf.shell.support.table.ShellTable;

import com.google.gson.GsonBuilder;

import io.albireo.proxy.internal.KeyInfo;

/** How the key commands print keys: a table, a sentence or JSON. A {@link KeyInfo} holds no secret to print. */
final class KeyText {
    private KeyText() {
    }

    static String table(List<KeyInfo> keys) {
        if (keys.isEmpty()) {
            return "The backend holds no data key yet: a preset's first is made at its first encrypted put.\n";
        }
        ShellTable table = new ShellTable();
        for (String c : new String[] {"id", "owner", "version", "current", "created (UTC)", "bits", "wrapping",
            "KEK"}) {
            table.column(c);
        }
        for (KeyInfo k : keys) {
            table.addRow().addContent(k.id(), k.owner(), k.version(), k.current() ? "yes" : "", created(k), k.bits(),
                    k.wrapping(), k.kek());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        table.print(new PrintStream(out, true, StandardCharsets.UTF_8), false);
        return out.toString(StandardCharsets.UTF_8);
    }

    static String rotated(KeyInfo k) {
        return "The key of " + k.owner() + " is now version " + k.version() + ", " + k.id() + " (" + k.bits()
                + " bits, made " + created(k) + "): new writes use it; objects written before read with their own"
                + " keys.\n";
    }

    static String json(Object value) {
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(value) + "\n";
    }

    /** The JSON form of a key: its fields, and the creation time in ISO-8601 as well as in milliseconds. */
    static Map<String, Object> tree(KeyInfo k) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", k.id());
        m.put("owner", k.owner());
        m.put("version", k.version());
        m.put("current", k.current());
        m.put("created", created(k));
        m.put("createdMillis", k.createdMillis());
        m.put("bits", k.bits());
        m.put("wrapping", k.wrapping());
        m.put("kek", k.kek());
        return m;
    }

    private static String created(KeyInfo k) {
        return Instant.ofEpochMilli(k.createdMillis()).toString();
    }
}
