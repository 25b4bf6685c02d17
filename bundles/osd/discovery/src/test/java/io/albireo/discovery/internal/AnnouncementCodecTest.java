package io.albireo.discovery.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.albireo.api.osd.OsdAnnouncement;

class AnnouncementCodecTest {

    /** The example of docs/DISCOVERY.md, byte for byte what the announcer sends for it. */
    static final String EXAMPLE = "{\"version\":1,\"kind\":\"asd\",\"longId\":\"8d2c3a6e-5f1b-4c7e-9a0d-2b6f4e1c7a93\","
            + "\"nodeId\":\"node-1\",\"addresses\":[\"10.0.0.5\",\"fd00::5\"],\"port\":8600,"
            + "\"used\":1073741824,\"total\":4000787030016,\"software\":\"albireo-asd 0.1.0\"}";

    private static final OsdAnnouncement EXAMPLE_ANNOUNCEMENT = new OsdAnnouncement(1, "asd",
            "8d2c3a6e-5f1b-4c7e-9a0d-2b6f4e1c7a93", "node-1", List.of("10.0.0.5", "fd00::5"), 8600, 1073741824L,
            4000787030016L, "albireo-asd 0.1.0");

    private static OsdAnnouncement decode(String json) throws AnnouncementCodec.Rejected {
        return AnnouncementCodec.decode(ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)));
    }

    /** The example with one field replaced (or removed, for null). */
    private static String with(String field, String rawValue) {
        JsonObject o = JsonParser.parseString(EXAMPLE).getAsJsonObject();
        o.remove(field);
        if (rawValue != null) {
            o.add(field, JsonParser.parseString(rawValue));
        }
        return o.toString();
    }

    private static Drop rejection(String json) {
        return assertThrows(AnnouncementCodec.Rejected.class, () -> decode(json), json).reason;
    }

    @Test
    void encodesTheDocumentedJson() throws Exception {
        assertEquals(EXAMPLE, new String(AnnouncementCodec.encode(EXAMPLE_ANNOUNCEMENT), StandardCharsets.UTF_8));
    }

    @Test
    void roundTrips() throws Exception {
        assertEquals(EXAMPLE_ANNOUNCEMENT, decode(EXAMPLE));
        byte[] bytes = AnnouncementCodec.encode(EXAMPLE_ANNOUNCEMENT);
        assertEquals(EXAMPLE_ANNOUNCEMENT, AnnouncementCodec.decode(ByteBuffer.wrap(bytes)));
    }

    @Test
    void ignoresUnknownFieldsAndWhitespace() throws Exception {
        String json = with("futureField", "{\"nested\":[1,2,3]}").replace(",", " ,\n ");
        assertEquals(EXAMPLE_ANNOUNCEMENT, decode(json));
    }

    @Test
    void dropsEveryMissingField() {
        for (String field : List.of("version", "kind", "longId", "nodeId", "addresses", "port", "used", "total",
                "software")) {
            assertEquals(Drop.INVALID, rejection(with(field, null)), field);
            assertEquals(Drop.INVALID, rejection(with(field, "null")), field);
        }
    }

    @Test
    void dropsAnUnknownVersionBeforeLookingAtItsFields() {
        // Version 2 may well lack version 1's fields: it is an unknown version, not an invalid version 1.
        assertEquals(Drop.UNKNOWN_VERSION, rejection("{\"version\":2,\"somethingElse\":true}"));
        assertEquals(Drop.UNKNOWN_VERSION, rejection(with("version", "0")));
        assertEquals(Drop.INVALID, rejection(with("version", "-1")));
        assertEquals(Drop.INVALID, rejection(with("version", "\"1\"")));
    }

    @Test
    void dropsFieldsOfTheWrongType() {
        assertEquals(Drop.INVALID, rejection(with("kind", "1")));
        assertEquals(Drop.INVALID, rejection(with("longId", "[\"a\"]")));
        assertEquals(Drop.INVALID, rejection(with("port", "\"8600\"")));
        assertEquals(Drop.INVALID, rejection(with("used", "true")));
        assertEquals(Drop.INVALID, rejection(with("addresses", "\"10.0.0.5\"")));
        assertEquals(Drop.INVALID, rejection(with("addresses", "[10]")));
    }

    @Test
    void dropsNumbersThatAreNotIntegersInRange() {
        assertEquals(Drop.INVALID, rejection(with("used", "1.5")));
        assertEquals(Drop.INVALID, rejection(with("used", "-1")));
        assertEquals(Drop.INVALID, rejection(with("used", "9223372036854775808")));
        assertEquals(Drop.INVALID, rejection(with("used", "1e999999")));
        assertEquals(Drop.INVALID, rejection(with("used", "1e-999999")));
        assertEquals(Drop.INVALID, rejection(with("port", "0")));
        assertEquals(Drop.INVALID, rejection(with("port", "65536")));
        // Integral values written another way are still integers.
        assertEquals(1000L, assertDecodes(with("used", "1e3")).used());
        assertEquals(Long.MAX_VALUE, assertDecodes(with("total", "9223372036854775807")).total());
    }

    private static OsdAnnouncement assertDecodes(String json) {
        try {
            return decode(json);
        } catch (AnnouncementCodec.Rejected e) {
            throw new AssertionError(json + " rejected: " + e.reason + " " + e.getMessage());
        }
    }

    @Test
    void boundsStrings() {
        assertEquals(Drop.INVALID, rejection(with("longId", "\"\"")));
        assertEquals(Drop.INVALID, rejection(with("longId", "\"" + "x".repeat(AnnouncementCodec.MAX_ID + 1) + "\"")));
        assertEquals("x".repeat(AnnouncementCodec.MAX_ID),
                assertDecodes(with("longId", "\"" + "x".repeat(AnnouncementCodec.MAX_ID) + "\"")).longId());
        assertEquals("", assertDecodes(with("software", "\"\"")).software());
        // Terminal escapes, newlines and invisible direction overrides never reach a console.
        assertEquals(Drop.INVALID, rejection(with("nodeId", "\"node\\u001b[31m\"")));
        assertEquals(Drop.INVALID, rejection(with("nodeId", "\"node\\n2\"")));
        assertEquals(Drop.INVALID, rejection(with("software", "\"asd\\u202e1.0\"")));
        assertEquals("nœud-ü", assertDecodes(with("nodeId", "\"nœud-ü\"")).nodeId());
    }

    @Test
    void acceptsOnlyAFewIpLiteralsAsAddresses() {
        assertEquals(List.of("fe80::1%eth0", "192.168.1.255"),
                assertDecodes(with("addresses", "[\"fe80::1%eth0\",\"192.168.1.255\"]")).addresses());
        assertEquals(Drop.INVALID, rejection(with("addresses", "[]")));
        assertEquals(Drop.INVALID, rejection(with("addresses", "[\"asd.example.com\"]")));
        assertEquals(Drop.INVALID, rejection(with("addresses", "[\"10.0.0.256\"]")));
        assertEquals(Drop.INVALID, rejection(with("addresses", "[\"10.0.0.5:8600\"]")));
        String many = "[" + String.join(",", java.util.Collections.nCopies(AnnouncementCodec.MAX_ADDRESSES + 1,
                "\"10.0.0.5\"")) + "]";
        assertEquals(Drop.INVALID, rejection(with("addresses", many)));
    }

    @Test
    void dropsWhatIsNotOneStrictJsonObject() {
        for (String bad : List.of("", "garbage", "[]", "1", "\"asd\"", "{", "{\"version\":1,}", "{version:1}",
                "{'version':1}", EXAMPLE + "{}", EXAMPLE + " x", "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]",
                "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":1}}}}}")) {
            assertEquals(Drop.MALFORMED, rejection(bad), bad);
        }
        assertEquals(Drop.MALFORMED, assertThrows(AnnouncementCodec.Rejected.class,
                () -> AnnouncementCodec.decode(ByteBuffer.wrap(new byte[] {'{', (byte) 0xc3, '}'}))).reason);
    }

    @Test
    void acceptsUpToMaxDatagramBytesAndNoMore() throws Exception {
        String base = with("padding", "\"\"");
        int pad = AnnouncementCodec.MAX_DATAGRAM - base.getBytes(StandardCharsets.UTF_8).length;
        String exact = with("padding", "\"" + "p".repeat(pad) + "\"");
        assertEquals(AnnouncementCodec.MAX_DATAGRAM, exact.getBytes(StandardCharsets.UTF_8).length);
        assertEquals(EXAMPLE_ANNOUNCEMENT, decode(exact));
        assertEquals(Drop.OVERSIZED, rejection(with("padding", "\"" + "p".repeat(pad + 1) + "\"")));
    }

    @Test
    void refusesToEncodeWhatReceiversWouldDrop() {
        OsdAnnouncement control = new OsdAnnouncement(1, "asd", "id\n", "node", List.of("10.0.0.1"), 1, 0, 0, "");
        assertEquals(Drop.INVALID, assertThrows(AnnouncementCodec.Rejected.class,
                () -> AnnouncementCodec.encode(control)).reason);
        OsdAnnouncement noSoftware = new OsdAnnouncement(1, "asd", "id", "node", List.of("10.0.0.1"), 1, 0, 0, null);
        assertEquals(Drop.INVALID, assertThrows(AnnouncementCodec.Rejected.class,
                () -> AnnouncementCodec.encode(noSoftware)).reason);
        OsdAnnouncement future = new OsdAnnouncement(2, "asd", "id", "node", List.of("10.0.0.1"), 1, 0, 0, "");
        assertEquals(Drop.UNKNOWN_VERSION, assertThrows(AnnouncementCodec.Rejected.class,
                () -> AnnouncementCodec.encode(future)).reason);
    }

    @Test
    void makesTextPrintableForLogs() {
        assertEquals("osd-?[2J", AnnouncementCodec.printable("osd-\u001b[2J"));
        assertEquals("x".repeat(AnnouncementCodec.MAX_ID) + "...", AnnouncementCodec.printable("x".repeat(1000)));
    }

    @Test
    void theJsonFieldsAreTheRecordsComponents() throws Exception {
        // docs/DISCOVERY.md documents these names; a renamed record component would silently change the wire format.
        Set<String> fields = JsonParser.parseString(new String(AnnouncementCodec.encode(EXAMPLE_ANNOUNCEMENT),
                StandardCharsets.UTF_8)).getAsJsonObject().keySet();
        assertEquals(Set.of("version", "kind", "longId", "nodeId", "addresses", "port", "used", "total", "software"),
                fields);
        assertArrayEquals(fields.toArray(), java.util.Arrays.stream(OsdAnnouncement.class.getRecordComponents())
                .map(c -> c.getName()).toArray());
    }
}
