package io.albireo.abm.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.CRC32C;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;

import io.albireo.api.Bytes;
import io.albireo.api.IntegrityException;

/**
 * The ABM's stored and wire form: JSON. The ABM's records are few and small, and an operator reading the metadata
 * store (or a replica's log) can read them; the manifests, which are many, have a binary form of their own. A stored
 * record wraps its JSON in a format version and a CRC32C ({@link #record}); commands and results are bare JSON.
 */
final class AbmJson {
    private final Gson gson = new GsonBuilder().disableHtmlEscaping()
            .registerTypeAdapter(Bytes.class, new TypeAdapter<Bytes>() {
                @Override
                public void write(JsonWriter out, Bytes value) throws IOException {
                    out.value(Base64.getEncoder().encodeToString(value.toByteArray()));
                }

                @Override
                public Bytes read(JsonReader in) throws IOException {
                    return Bytes.adopt(Base64.getDecoder().decode(in.nextString()));
                }
            }).create();

    /** The format version of a stored record: the byte before its JSON. */
    static final int RECORD_VERSION = 1;
    private static final int CRC = 4;

    /**
     * @return the stored form of a record: the format version, the JSON, and the CRC32C (big-endian) of both
     *         (docs/FORMATS.md)
     */
    Bytes record(Object value) {
        byte[] json = gson.toJson(value).getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(1 + json.length + CRC).put((byte) RECORD_VERSION).put(json);
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return Bytes.adopt(out.array());
    }

    /**
     * Reads a stored record: checked (version, checksum, JSON of the type) before it is parsed. A record of bare JSON
     * (written before records had a version: it starts with '{', which no version byte is) is read as it is.
     *
     * @throws IntegrityException if the record is damaged or of an unknown version
     */
    <T> T fromRecord(Bytes stored, Class<T> type) {
        byte[] raw = stored.toByteArray();
        String what = "a stored " + type.getSimpleName() + " record";
        if (raw.length > 0 && raw[0] == '{') {
            return parse(new String(raw, StandardCharsets.UTF_8), type, what);
        }
        if (raw.length < 1 + CRC) {
            throw new IntegrityException(what + " of " + raw.length + " bytes is too short");
        }
        if (raw[0] != RECORD_VERSION) {
            throw new IntegrityException(what + " has format version " + (raw[0] & 0xff) + ", not " + RECORD_VERSION);
        }
        CRC32C crc = new CRC32C();
        crc.update(raw, 0, raw.length - CRC);
        int stored32 = ByteBuffer.wrap(raw, raw.length - CRC, CRC).getInt();
        if (stored32 != (int) crc.getValue()) {
            throw new IntegrityException(String.format("%s: its checksum is %08x, its bytes give %08x", what, stored32,
                    (int) crc.getValue()));
        }
        return parse(new String(raw, 1, raw.length - 1 - CRC, StandardCharsets.UTF_8), type, what);
    }

    private <T> T parse(String json, Class<T> type, String what) {
        T value;
        try {
            value = gson.fromJson(json, type);
        } catch (JsonParseException e) {
            throw new IntegrityException(what + " is not valid JSON: " + e.getMessage());
        }
        if (value == null) {
            throw new IntegrityException(what + " is empty");
        }
        return value;
    }

    /** @return the JSON of an operation's command or result (not stored: see {@link #record}) */
    Bytes encode(Object value) {
        return Bytes.adopt(gson.toJson(value).getBytes(StandardCharsets.UTF_8));
    }

    /** @return an operation's command or result read from its JSON */
    <T> T decode(Bytes stored, Class<T> type) {
        return gson.fromJson(stored.utf8(), type);
    }

    <T> T decode(JsonElement tree, Class<T> type) {
        return gson.fromJson(tree, type);
    }

    JsonElement tree(Object value) {
        return gson.toJsonTree(value);
    }
}
