package io.albireo.discovery.internal;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import io.albireo.api.osd.OsdAnnouncement;

/**
 * An announcement as a datagram: one UTF-8 JSON object whose fields are {@link OsdAnnouncement}'s (docs/DISCOVERY.md).
 * Decoding trusts nothing: it reads strict JSON only, bounds every field, and refuses what it cannot check rather than
 * guessing. Encoding runs the same checks on its own output, so a sender learns of a bad announcement at once instead
 * of every receiver dropping it silently.
 */
final class AnnouncementCodec {
    /** The largest datagram read: far above a real announcement (about 200 bytes), far below UDP's 64 KiB. */
    static final int MAX_DATAGRAM = 8192;
    static final int MAX_KIND = 32;
    static final int MAX_ID = 128;
    static final int MAX_SOFTWARE = 128;
    static final int MAX_ADDRESSES = 16;
    static final int MAX_ADDRESS = 64;
    /** An announcement nests two levels (an object holding an array); some slack, and no deep recursion. */
    static final int MAX_NESTING = 4;

    // Gson is immutable and thread-safe; HTML escaping would only make the JSON harder to read.
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    private static final Pattern IPV4 =
            Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    // Loose on purpose: the driver parses the address when it connects; this only keeps names (DNS) and junk out.
    private static final Pattern IPV6 =
            Pattern.compile("[0-9A-Fa-f]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9_.-]+)?");

    private AnnouncementCodec() {
    }

    /** A datagram that is not a valid announcement, and why. */
    static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;
        final Drop reason;

        Rejected(Drop reason, String detail) {
            super(detail, null, false, false); // no stack trace: these are expected, and can come by the thousand
            this.reason = reason;
        }
    }

    /**
     * @param announcement what to send
     * @return the datagram's bytes
     * @throws Rejected if receivers would drop it: a field out of bounds, or the whole too large
     */
    static byte[] encode(OsdAnnouncement announcement) throws Rejected {
        byte[] bytes = GSON.toJson(announcement).getBytes(StandardCharsets.UTF_8);
        decode(ByteBuffer.wrap(bytes));
        return bytes;
    }

    /**
     * @param datagram the received bytes, from position to limit; consumed
     * @return the announcement
     * @throws Rejected if it is too large, not strict JSON, of another version, or a field is missing or out of bounds
     */
    static OsdAnnouncement decode(ByteBuffer datagram) throws Rejected {
        if (datagram.remaining() > MAX_DATAGRAM) {
            // A received datagram is cut at MAX_DATAGRAM + 1 bytes: its true size is unknown.
            throw new Rejected(Drop.OVERSIZED, datagram.remaining() + " bytes or more");
        }
        JsonObject json = parse(datagram);
        int version = (int) integer(json, "version", 0, Integer.MAX_VALUE);
        // Checked first: another version may have other fields, so its fields are not ours to judge.
        if (version != OsdAnnouncement.VERSION) {
            throw new Rejected(Drop.UNKNOWN_VERSION,
                    "version " + version + ", this bundle reads version " + OsdAnnouncement.VERSION);
        }
        try {
            return new OsdAnnouncement(version, text(json, "kind", MAX_KIND, false),
                    text(json, "longId", MAX_ID, false), text(json, "nodeId", MAX_ID, false), addresses(json),
                    (int) integer(json, "port", 1, 65535),
                    integer(json, "used", 0, Long.MAX_VALUE), integer(json, "total", 0, Long.MAX_VALUE),
                    text(json, "software", MAX_SOFTWARE, true));
        } catch (RuntimeException e) { // the record's own checks; ours are stricter, so this is a bug, but not fatal
            throw new Rejected(Drop.INVALID, e.toString());
        }
    }

    private static JsonObject parse(ByteBuffer datagram) throws Rejected {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(datagram).toString();
        } catch (CharacterCodingException e) {
            throw new Rejected(Drop.MALFORMED, "not UTF-8");
        }
        try {
            JsonReader reader = new JsonReader(new StringReader(text));
            reader.setStrictness(Strictness.STRICT);
            reader.setNestingLimit(MAX_NESTING);
            JsonElement root = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new Rejected(Drop.MALFORMED, "data after the JSON object");
            }
            if (!root.isJsonObject()) {
                throw new Rejected(Drop.MALFORMED, "JSON, but not an object");
            }
            return root.getAsJsonObject();
        } catch (JsonParseException | IOException | IllegalStateException e) {
            throw new Rejected(Drop.MALFORMED, "not strict JSON");
        }
    }

    private static JsonElement field(JsonObject json, String name) throws Rejected {
        JsonElement value = json.get(name);
        if (value == null || value.isJsonNull()) {
            throw new Rejected(Drop.INVALID, "'" + name + "' is missing");
        }
        return value;
    }

    private static long integer(JsonObject json, String name, long min, long max) throws Rejected {
        JsonElement value = field(json, name);
        if (!(value instanceof JsonPrimitive p && p.isNumber())) {
            throw new Rejected(Drop.INVALID, "'" + name + "' is not a number");
        }
        long n;
        try {
            BigDecimal exact = p.getAsBigDecimal();
            // precision - scale is the count of integer digits; checked before any conversion that could be costly.
            if (exact.precision() - exact.scale() > 19) {
                throw new Rejected(Drop.INVALID, "'" + name + "' is out of range");
            }
            n = exact.longValueExact();
        } catch (ArithmeticException | NumberFormatException e) {
            throw new Rejected(Drop.INVALID, "'" + name + "' is not a 64-bit integer");
        }
        if (n < min || n > max) {
            throw new Rejected(Drop.INVALID, "'" + name + "' is " + n + ", not in " + min + ".." + max);
        }
        return n;
    }

    private static String text(JsonObject json, String name, int maxLength, boolean mayBeEmpty) throws Rejected {
        return text(field(json, name), "'" + name + "'", maxLength, mayBeEmpty);
    }

    private static String text(JsonElement value, String what, int maxLength, boolean mayBeEmpty) throws Rejected {
        if (!(value instanceof JsonPrimitive p && p.isString())) {
            throw new Rejected(Drop.INVALID, what + " is not a string");
        }
        String s = p.getAsString();
        if (s.length() > maxLength) {
            throw new Rejected(Drop.INVALID, what + " is longer than " + maxLength + " characters");
        }
        if (s.isEmpty() && !mayBeEmpty) {
            throw new Rejected(Drop.INVALID, what + " is empty");
        }
        // Strings reach consoles and logs: no control characters, no invisible or direction-changing formatting.
        if (s.codePoints().anyMatch(AnnouncementCodec::unprintable)) {
            throw new Rejected(Drop.INVALID, what + " has control or formatting characters");
        }
        return s;
    }

    /** @return the text cut to {@link #MAX_ID} characters, with '?' for what {@link #decode} would refuse: for logs */
    static String printable(String text) {
        String cut = text.length() > MAX_ID ? text.substring(0, MAX_ID) + "..." : text;
        return cut.codePoints().map(c -> unprintable(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    private static boolean unprintable(int codePoint) {
        return switch (Character.getType(codePoint)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.SURROGATE, Character.UNASSIGNED -> true;
            default -> false;
        };
    }

    private static List<String> addresses(JsonObject json) throws Rejected {
        if (!(field(json, "addresses") instanceof JsonArray array)) {
            throw new Rejected(Drop.INVALID, "'addresses' is not an array");
        }
        if (array.isEmpty() || array.size() > MAX_ADDRESSES) {
            throw new Rejected(Drop.INVALID, "'addresses' has " + array.size() + " entries, not 1.." + MAX_ADDRESSES);
        }
        List<String> addresses = new ArrayList<>(array.size());
        for (JsonElement element : array) {
            String address = text(element, "an address", MAX_ADDRESS, false);
            if (!IPV4.matcher(address).matches() && !IPV6.matcher(address).matches()) {
                throw new Rejected(Drop.INVALID, "an address is not an IPv4 or IPv6 literal");
            }
            addresses.add(address);
        }
        return addresses;
    }
}
