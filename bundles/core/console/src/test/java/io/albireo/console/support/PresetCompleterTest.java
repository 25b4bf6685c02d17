package io.albireo.console.support;

import static io.albireo.console.support.StandIns.complete;
import static io.albireo.console.support.StandIns.stub;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.albireo.api.metadata.AlbaManager;
import io.albireo.api.metadata.Policy;
import io.albireo.api.metadata.Preset;

class PresetCompleterTest {

    private static Preset preset(String name, String cipher) {
        return new Preset(name, List.of(new Policy(4, 2, 5, 1)), 4 << 20, "lz4", cipher, "crc32c", "rs", "sha-256");
    }

    @Test
    void offersEveryPresetThatStartsWithWhatWasTyped() {
        PresetCompleter completer = new PresetCompleter();
        completer.abm = stub(AlbaManager.class, Map.of("presets",
                args -> List.of(preset("default", "aes-256-gcm"), preset("dense", "none"), preset("plain", "none"))));
        assertEquals(List.of("default", "dense"), complete(completer, "preset:show de"));
        assertEquals(List.of("default", "dense", "plain"), complete(completer, "namespace:create --preset "));
    }

    @Test
    void offersNothingWithoutAnAbmOrWhenItFails() {
        PresetCompleter completer = new PresetCompleter();
        assertEquals(List.of(), complete(completer, "preset:delete "));
        completer.abm = stub(AlbaManager.class, Map.of("presets", args -> {
            throw new IllegalStateException("the metadata store is closed");
        }));
        assertEquals(List.of(), complete(completer, "preset:delete "));
    }
}
