package io.albireo.abm.internal.command;

import java.util.stream.Collectors;

import io.albireo.api.metadata.Preset;

/** How the preset commands print a preset. */
final class Presets {
    private Presets() {
    }

    static String policies(Preset p) {
        return p.policies().stream().map(Object::toString).collect(Collectors.joining(" "));
    }

    static String describe(Preset p) {
        return "policies " + policies(p) + ", max fragment " + p.maxFragmentSize() + " bytes, " + p.compressor()
                + ", " + p.cipher() + ", " + p.fragmentChecksum() + ", " + p.erasureCodec() + ", objects "
                + p.objectChecksum();
    }
}
