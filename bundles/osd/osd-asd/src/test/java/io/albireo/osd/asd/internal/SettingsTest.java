package io.albireo.osd.asd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.annotation.Annotation;

import org.junit.jupiter.api.Test;

import io.albireo.asd.protocol.Limits;

class SettingsTest {

    /** A configuration as DS would hand it, with the defaults of {@link AsdDriver.Config}. */
    static class Config implements AsdDriver.Config {
        String host = "127.0.0.1";
        int port;
        String longId = "";
        int connections = 4;
        int maxFrame = Limits.DEFAULT_MAX_FRAME;

        @Override
        public Class<? extends Annotation> annotationType() {
            return AsdDriver.Config.class;
        }

        @Override
        public String host() {
            return host;
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public String longId() {
            return longId;
        }

        @Override
        public int connections() {
            return connections;
        }

        @Override
        public int connectTimeoutMillis() {
            return 2000;
        }

        @Override
        public int requestTimeoutMillis() {
            return 30000;
        }

        @Override
        public int maxFrame() {
            return maxFrame;
        }

        @Override
        public boolean inProcess() {
            return true;
        }
    }

    @Test
    void aConfigurationBecomesSettingsWithTheProductionBackoff() {
        Config c = new Config();
        c.port = 8600;
        c.host = " asd-host ";
        c.longId = " asd-7 ";
        Settings s = Settings.of(c);
        assertEquals("asd-host", s.host());
        assertEquals("asd-7", s.longId());
        assertEquals("asd-host:8600", s.address());
        assertEquals(100, s.backoffMinMillis());
        assertEquals(5000, s.backoffMaxMillis());
        assertEquals("[::1]:8600", new Settings("::1", 8600, "", 4, 2000, 30000, Limits.DEFAULT_MAX_FRAME, 100, 5000)
                .address(), "an IPv6 address is bracketed before its port");
    }

    @Test
    void invalidSettingsAreRefusedNamingTheSetting() {
        Config c = new Config();
        assertEquals("port must be 1 to 65535; got 0",
                assertThrows(IllegalArgumentException.class, () -> Settings.of(c)).getMessage());
        c.port = 8600;
        c.connections = 0;
        assertEquals("connections must be 1 to 64; got 0",
                assertThrows(IllegalArgumentException.class, () -> Settings.of(c)).getMessage());
        c.connections = 4;
        c.maxFrame = 1000;
        assertEquals("maxFrame must be at least 65536; got 1000",
                assertThrows(IllegalArgumentException.class, () -> Settings.of(c)).getMessage());
        c.maxFrame = Limits.DEFAULT_MAX_FRAME;
        c.host = " ";
        assertEquals("host is empty", assertThrows(IllegalArgumentException.class, () -> Settings.of(c)).getMessage());
    }
}
