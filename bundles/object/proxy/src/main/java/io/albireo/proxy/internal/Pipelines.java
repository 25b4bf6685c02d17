package io.albireo.proxy.internal;

import io.albireo.api.codec.Checksum;
import io.albireo.api.codec.Cipher;
import io.albireo.api.codec.CipherKey;
import io.albireo.api.codec.CodecRegistry;
import io.albireo.api.codec.Compressor;
import io.albireo.api.metadata.Manifest;
import io.albireo.api.metadata.Policy;
import io.albireo.api.metadata.Preset;
import io.albireo.object.layout.Pipeline;

/**
 * Builds the chunk pipeline of a put (from the preset) or of a read (from the manifest), resolving the algorithms
 * through the codec registry at every call: a codec bundle replaced while the proxy runs is picked up, and a missing
 * one is an error naming the feature to install.
 */
final class Pipelines {
    static final String NONE = "none";

    private final CodecRegistry codecs;
    private final DataKeys keys;

    Pipelines(CodecRegistry codecs, DataKeys keys) {
        this.codecs = codecs;
        this.keys = keys;
    }

    /**
     * The owner of a preset's keys, which is also the id of its first key: {@code preset-NAME}, the id manifests
     * carried before keys had versions. Its first version is made at the preset's first encrypted put.
     */
    static String keyOwner(Preset preset) {
        return "preset-" + preset.name();
    }

    /** The put's key is resolved here, once per object: its id goes in the manifest (see {@link #keyId}). */
    Pipeline forWrite(Preset preset, Policy policy, int blockSize) {
        Cipher cipher = codecs.cipher(preset.cipher());
        CipherKey key = NONE.equals(preset.cipher()) ? null : keys.forWrite(keyOwner(preset), cipher.keyLength());
        return pipeline(preset.compressor(), cipher, key, preset.erasureCodec(), policy, preset.fragmentChecksum(),
                blockSize);
    }

    Pipeline forRead(Manifest m) {
        Cipher cipher = codecs.cipher(m.cipher());
        CipherKey key = NONE.equals(m.cipher()) ? null : keys.forRead(m.keyId());
        return pipeline(m.compressor(), cipher, key, m.erasureCodec(), m.policy(), m.fragmentChecksum(),
                m.blockSize());
    }

    /** @return the object checksum named by a preset or a manifest's digest */
    Checksum objectChecksum(String name) {
        return codecs.checksum(name);
    }

    /** @return the id of the key a put's pipeline encrypts with, for its manifest; "" without a cipher */
    static String keyId(Pipeline p) {
        return p.key() == null ? "" : p.key().id();
    }

    private Pipeline pipeline(String compressorName, Cipher cipher, CipherKey key, String erasure, Policy policy,
            String checksum, int blockSize) {
        Compressor compressor = codecs.compressor(compressorName);
        return new Pipeline(compressor, compressor.levels().defaultLevel(), cipher, key,
                codecs.erasureCodec(erasure).code(policy.k(), policy.m()), codecs.checksum(checksum), blockSize);
    }
}
