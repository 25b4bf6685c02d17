package io.albireo.compressor.none.internal;

import java.nio.ByteBuffer;

import org.osgi.service.component.annotations.Component;

import io.albireo.api.AlbireoName;
import io.albireo.api.Implementation;
import io.albireo.api.IntegrityException;
import io.albireo.api.codec.CompressedForm;
import io.albireo.api.codec.Compressor;

/**
 * The "none" compressor, for presets that store data as it is (already compressed or encrypted data, or where CPU
 * matters more than space). It still writes the common stored form, raw, so a namespace can switch compressors and
 * every reader handles its objects the same way.
 */
@Component
@AlbireoName(NoneCompressor.NAME)
@Implementation("java")
public final class NoneCompressor implements Compressor {
    /** The algorithm's name. */
    public static final String NAME = "none";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Levels levels() {
        return Levels.NONE;
    }

    @Override
    public ByteBuffer compress(ByteBuffer input, int level) {
        Levels.NONE.check(NAME, level);
        // An encoder that never produces a payload: the stored form is always the header and the input.
        return CompressedForm.compress(input, (in, out) -> -1);
    }

    @Override
    public ByteBuffer decompress(ByteBuffer stored) {
        return CompressedForm.decompress(NAME, stored, 1, (payload, out) -> {
            throw new IntegrityException(NAME + ": stored form says its payload is compressed, but '" + NAME
                    + "' never compresses");
        });
    }
}
