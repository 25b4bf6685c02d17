package io.albireo.proxy.internal.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.apache.karaf.shell.support.CommandException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.albireo.api.metadata.Policy;
import io.albireo.api.metadata.Preset;
import io.albireo.api.metadata.WrappedKey;
import io.albireo.api.object.Overwrite;
import io.albireo.proxy.internal.Backend;
import io.albireo.proxy.internal.KeyMaterial;

/** key:list and key:rotate as the console runs them, without Karaf: the actions with their fields set. */
class KeyCommandsTest {
    @TempDir
    Path dir;
    private Backend backend;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private PrintStream console;

    @BeforeEach
    void open() {
        console = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        backend = new Backend(dir, 6, 0);
        for (String[] p : new String[][] {{"enc", "aes-256-gcm"}, {"plain", "none"}}) {
            backend.abm.createPreset(new Preset(p[0], List.of(new Policy(4, 2, 5, 6)), 64 * 1024, "lz4", p[1],
                    "xxh64", "rs"));
            backend.abm.createNamespace(p[0], p[0]);
        }
    }

    @AfterEach
    void close() throws Exception {
        System.setOut(console);
        backend.close();
    }

    private String printed() {
        String s = out.toString(StandardCharsets.UTF_8);
        out.reset();
        return s;
    }

    private KeyRotateCommand rotate(String preset, boolean json) {
        KeyRotateCommand c = new KeyRotateCommand();
        c.proxy = backend.proxy;
        c.preset = preset;
        c.json = json;
        return c;
    }

    @Test
    void keyListAndKeyRotatePrintIdsVersionsAndTimesButNeverAKey() throws Exception {
        backend.proxy.put("enc", "o", ByteBuffer.wrap(new byte[5000]), Overwrite.NONE);
        KeyListCommand list = new KeyListCommand();
        list.proxy = backend.proxy;
        list.execute();
        String table = printed();
        assertTrue(table.contains("preset-enc") && table.contains("yes") && table.contains("256")
                && table.contains("aes-256-gcm"), table);

        rotate("enc", false).execute();
        String sentence = printed();
        assertTrue(sentence.startsWith("The key of preset-enc is now version 2, preset-enc@v2 (256 bits, made "),
                sentence);
        rotate("enc", true).execute();
        String rotatedJson = printed();
        JsonObject v3 = JsonParser.parseString(rotatedJson).getAsJsonObject();
        assertEquals("preset-enc@v3", v3.get("id").getAsString());
        assertEquals(3, v3.get("version").getAsInt());
        assertTrue(v3.get("current").getAsBoolean());
        assertTrue(v3.get("created").getAsString().endsWith("Z"), rotatedJson);

        list.json = true;
        list.execute();
        String listJson = printed();
        JsonArray all = JsonParser.parseString(listJson).getAsJsonArray();
        assertEquals(List.of("preset-enc", "preset-enc@v2", "preset-enc@v3"), all.asList().stream()
                .map(e -> e.getAsJsonObject().get("id").getAsString()).toList());
        assertEquals(List.of(false, false, true), all.asList().stream().map(JsonElement::getAsJsonObject)
                .map(o -> o.get("current").getAsBoolean()).toList());

        String everything = table + sentence + rotatedJson + listJson;
        Path kek = Backend.kek(dir);
        for (WrappedKey k : backend.abm.keys()) {
            KeyMaterial.assertNotIn(everything, KeyMaterial.dataKey(backend.abm, kek, k.id()),
                    k.wrapped().toByteArray());
        }
        KeyMaterial.assertNotIn(everything, KeyMaterial.kek(kek));
    }

    @Test
    void rotatingWhatHasNoKeyIsACommandErrorThatSaysWhy() {
        CommandException plain = assertThrows(CommandException.class, () -> rotate("plain", false).execute());
        assertEquals("preset plain has no cipher (cipher none): its objects are not encrypted, so it has no key to"
                + " rotate", plain.getMessage());
        CommandException unknown = assertThrows(CommandException.class, () -> rotate("nope", true).execute());
        assertEquals("no preset named nope (preset:list shows them)", unknown.getMessage());
        assertEquals("", printed());
        // The completer offers the presets that encrypt: the proxy's default one and enc.
        assertEquals(List.of("default", "enc"), EncryptedPresetCompleter.names(backend.abm));
    }

    @Test
    void anEmptyBackendSaysWhenItsFirstKeyIsMade() throws Exception {
        KeyListCommand list = new KeyListCommand();
        list.proxy = backend.proxy;
        list.execute();
        assertEquals("The backend holds no data key yet: a preset's first is made at its first encrypted put.\n",
                printed());
    }
}
