package io.albireo.discovery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

class SettingsTest {

    private static MulticastDiscovery.Config config(Map<String, Object> properties) {
        return TestNet.config(properties);
    }

    @Test
    void theDefaultsAreTheIssues() {
        Settings s = Settings.from(config(Map.of()));
        assertEquals("239.1.2.3", s.group().getHostAddress());
        assertEquals(8123, s.port());
        assertEquals(Duration.ofSeconds(10), s.interval());
        assertEquals(Duration.ofSeconds(30), s.expiry());
        assertEquals("lo", s.networkInterface());
        assertEquals(1, s.ttl());
        assertTrue(s.listen() && s.send());
    }

    @Test
    void etcHasTheDefaultsOfTheCode() throws IOException {
        // The top-level etc/ file documents the defaults as commented lines: they must be the code's.
        Path cfg = Path.of("../../../etc/io.albireo.discovery.cfg"); // from bundles/osd/discovery
        Map<String, String> documented = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^#([a-z.]+) = (\\S+)$").matcher(Files.readString(cfg));
        while (m.find()) {
            documented.put(m.group(1), m.group(2));
        }
        Map<String, String> code = new LinkedHashMap<>();
        for (var method : MulticastDiscovery.Config.class.getDeclaredMethods()) {
            code.put(method.getName().replace("$", "").replace('_', '.'), String.valueOf(method.getDefaultValue()));
        }
        assertEquals(new java.util.TreeMap<>(code), new java.util.TreeMap<>(documented));
    }

    @Test
    void rejectsBadValuesNamingTheKey() {
        for (var bad : Map.<String, Object>of("group", "239.1.2", "port", 0, "interval.seconds", 0,
                "expiry.intervals", 0, "ttl", 256, "interface", " ").entrySet()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Settings.from(config(Map.of(bad.getKey(), bad.getValue()))), bad.toString());
            assertTrue(e.getMessage().startsWith(bad.getKey() + " "), e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Settings.from(config(Map.of("group", "10.1.2.3")))).getMessage().contains("not a multicast"));
        // A name would need DNS: never looked up.
        assertThrows(IllegalArgumentException.class, () -> Settings.from(config(Map.of("group", "localhost"))));
    }

    @Test
    void resolvesTheInterfaceByNameOrAddress() throws IOException {
        assertEquals("lo (127.0.0.1)", Nic.resolve("lo").toString());
        assertEquals("lo (127.0.0.1)", Nic.resolve("127.0.0.1").toString());
        assertTrue(assertThrows(IOException.class, () -> Nic.resolve("203.0.113.77")).getMessage()
                .contains("no interface has this address"));
        assertTrue(assertThrows(IOException.class, () -> Nic.resolve("nonexistent9")).getMessage()
                .contains("does not exist"));
    }
}
