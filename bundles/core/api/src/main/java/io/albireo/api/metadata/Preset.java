package io.albireo.api.metadata;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How the objects of a namespace are stored: the policies to try in order (the first one the live OSDs can satisfy is
 * used), the largest fragment, and the algorithms of the pipeline, by name.
 *
 * @param name the preset's name
 * @param policies the policies, best first; at least one
 * @param maxFragmentSize the largest fragment in bytes, 4 KiB or more: larger objects are cut into chunks
 * @param compressor the compressor's name ("none" for none)
 * @param cipher the cipher's name ("none" for none)
 * @param fragmentChecksum the checksum of every fragment
 * @param erasureCodec the erasure codec's name
 * @param objectChecksum the checksum of every whole object, which a get verifies and a hasChecksum assert compares;
 *        null (a preset stored before presets named it) is {@link #OBJECT_CHECKSUM_BEFORE}
 */
public record Preset(String name, List<Policy> policies, int maxFragmentSize, String compressor, String cipher,
        String fragmentChecksum, String erasureCodec, String objectChecksum) {
    /**
     * The object checksum of presets stored before presets named one, which they keep: clients asserting on their
     * objects compute SHA-256.
     */
    public static final String OBJECT_CHECKSUM_BEFORE = "sha-256";
    /** The smallest max fragment size. */
    public static final int MIN_FRAGMENT_SIZE = 4096;
    /** The largest max fragment size: a fragment must fit one ASD frame with room to spare. */
    public static final int MAX_FRAGMENT_SIZE = 64 << 20;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /**
     * Checks the rules that need no knowledge of the appliance (which algorithms exist is checked where a preset is
     * created), naming the one broken.
     *
     * @throws InvalidPresetException if a rule is broken
     */
    public Preset {
        Objects.requireNonNull(name, "name");
        if (objectChecksum == null) {
            objectChecksum = OBJECT_CHECKSUM_BEFORE;
        }
        if (!NAME.matcher(name).matches()) {
            throw new InvalidPresetException("preset name '" + name + "': 1 to 64 letters, digits, '.', '_' or '-',"
                    + " starting with a letter or digit");
        }
        if (policies == null || policies.isEmpty()) {
            throw new InvalidPresetException("preset " + name + ": at least one policy is needed");
        }
        policies = List.copyOf(policies);
        if (maxFragmentSize < MIN_FRAGMENT_SIZE) {
            throw new InvalidPresetException("preset " + name + ": max fragment size must be at least 4 KiB (4096);"
                    + " got " + maxFragmentSize);
        }
        if (maxFragmentSize > MAX_FRAGMENT_SIZE) {
            throw new InvalidPresetException("preset " + name + ": max fragment size must be at most 64 MiB; got "
                    + maxFragmentSize);
        }
        for (String[] a : new String[][] {{"compressor", compressor}, {"cipher", cipher},
            {"fragment checksum", fragmentChecksum}, {"erasure codec", erasureCodec},
            {"object checksum", objectChecksum}}) {
            if (a[1] == null || a[1].isBlank()) {
                throw new InvalidPresetException("preset " + name + ": the " + a[0] + " must be named");
            }
        }
    }

    /** A preset with the object checksum of presets stored before presets named one ({@code sha-256}). */
    public Preset(String name, List<Policy> policies, int maxFragmentSize, String compressor, String cipher,
            String fragmentChecksum, String erasureCodec) {
        this(name, policies, maxFragmentSize, compressor, cipher, fragmentChecksum, erasureCodec, null);
    }

    /** @return this preset with other policies and max fragment size (what an update may change) */
    public Preset with(List<Policy> newPolicies, int newMaxFragmentSize) {
        return new Preset(name, newPolicies, newMaxFragmentSize, compressor, cipher, fragmentChecksum, erasureCodec,
                objectChecksum);
    }
}
