package io.albireo.checksum.crc32c.internal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import org.osgi.service.component.annotations.Component;

import io.albireo.api.AlbireoName;
import io.albireo.api.Implementation;
import io.albireo.api.codec.Checksum;
import io.albireo.api.codec.Digest;

/**
 * CRC-32C (Castagnoli), the default fragment and object checksum of presets, as in ALBA. The JDK compiles
 * {@link CRC32C} to the CPU's crc32 instructions, at tens of GB/s, so no native library can beat it. The digest is the
 * 4-byte big-endian CRC.
 */
@Component
@AlbireoName(Crc32cChecksum.NAME)
@Implementation("java")
public final class Crc32cChecksum implements Checksum {
    /** The algorithm's name. */
    public static final String NAME = "crc32c";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int length() {
        return 4;
    }

    @Override
    public Digest compute(ByteBuffer data) {
        CRC32C crc = new CRC32C();
        crc.update(data.duplicate());
        return Digest.ofLong(NAME, crc.getValue(), 4);
    }

    @Override
    public Hasher hasher() {
        CRC32C crc = new CRC32C();
        return Hasher.of(data -> crc.update(data.duplicate()), () -> Digest.ofLong(NAME, crc.getValue(), 4));
    }
}
