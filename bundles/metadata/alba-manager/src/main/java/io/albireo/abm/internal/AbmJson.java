package io.albireo.abm.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;

import io.albireo.api.Bytes;

/**
 * The ABM's stored and wire form: JSON. The ABM's records are few and small, and an operator reading the metadata
 * store (or a replica's log) can read them; the manifests, which are many, have a binary form of their own.
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

    Bytes encode(Object value) {
        return Bytes.adopt(gson.toJson(value).getBytes(StandardCharsets.UTF_8));
    }

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
