package io.albireo.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

class StatusFormatTest {

    private static StatusReport report(List<StatusReport.ComponentLine> components) {
        return new StatusReport("0.1.0", "4.4.10", "17", 65_000,
                List.of(new StatusReport.FeatureLine("albireo-core", "0.1.0", "Started")),
                List.of(new StatusReport.ServiceLine("Checksum", "crc32c", "java", "io.albireo.checksum.crc32c",
                        "0.1.0", 26),
                        new StatusReport.ServiceLine("CodecRegistry", "-", "-", "io.albireo.codec.registry",
                                "0.1.0", 27)),
                components, 2, 68, 0, 3_456);
    }

    private static String table(StatusReport report, String filter) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StatusFormat.table(report, filter, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aHealthyReportListsFeaturesAndServicesAndSaysOk() {
        String out = table(report(List.of()), null);
        assertTrue(out.startsWith("Albireo 0.1.0 on Karaf 4.4.10, Java 17, up 1 min 5 s"), out);
        assertTrue(out.contains("albireo-core"), out);
        assertTrue(out.contains("io.albireo.checksum.crc32c 0.1.0 [26]"), out);
        assertTrue(out.contains("the last one started 3.45 s after JVM start"), out);
        assertTrue(out.endsWith("Status: OK" + System.lineSeparator()), out);
    }

    @Test
    void theTypeArgumentFiltersServicesIgnoringCase() {
        String out = table(report(List.of()), "checksum");
        assertTrue(out.contains("crc32c"), out);
        assertFalse(out.contains("io.albireo.codec.registry"), out);
    }

    @Test
    void anUnsatisfiedComponentIsAFaultButWaitingForConfigurationIsNot() {
        StatusReport waiting = report(List.of(new StatusReport.ComponentLine("asd", "io.albireo.asd", "waiting",
                "configuration io.albireo.asd", false)));
        assertTrue(waiting.healthy());
        StatusReport faulty = report(List.of(new StatusReport.ComponentLine("proxy", "io.albireo.proxy",
                "unsatisfied", "needs io.albireo.api.codec.CodecRegistry", true)));
        assertFalse(faulty.healthy());
        String out = table(faulty, null);
        assertTrue(out.contains("needs io.albireo.api.codec.CodecRegistry"), out);
        assertTrue(out.contains("Components: 2 running, 1 faulty"), out);
        assertTrue(out.contains("Status: DEGRADED"), out);
    }

    @Test
    void jsonCarriesTheWholeReport() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StatusFormat.json(report(List.of()), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        JsonObject json = JsonParser.parseString(bytes.toString(StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals("0.1.0", json.get("version").getAsString());
        assertEquals(2, json.getAsJsonArray("services").size());
        assertEquals("crc32c", json.getAsJsonArray("services").get(0).getAsJsonObject().get("name").getAsString());
    }

    @Test
    void uptimeReadsNaturally() {
        assertEquals("0.25 s", StatusFormat.uptime(250));
        assertEquals("2 min 3 s", StatusFormat.uptime(123_000));
        assertEquals("2 h 5 min", StatusFormat.uptime(7_500_000));
    }
}
