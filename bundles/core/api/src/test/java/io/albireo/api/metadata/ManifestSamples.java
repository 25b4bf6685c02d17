package io.albireo.api.metadata;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

import io.albireo.api.Bytes;
import io.albireo.api.codec.Digest;

/**
 * Manifests for tests and benchmarks: the 64 MiB (8,2) example of docs/MANIFEST.md and random ones. Shared with the
 * namespace manager's tests through this module's test-jar.
 */
public final class ManifestSamples {
    /** The fragment size of the example: 4 MiB. */
    public static final int FRAGMENT = 4 << 20;

    private ManifestSamples() {
    }

    /**
     * The documented example: 64 MiB at (8,2,_,_) in 4 MiB fragments, so 2 chunks of 10 fragments, xxh64 fragment
     * checksums, a sha-256 object checksum, lz4 and aes-256-gcm with a 36-char key id, a 40-char name.
     *
     * @param name the object's name (the example's has 40 characters)
     * @param seed makes the object id, checksums and OSDs
     */
    public static Manifest example(String name, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Policy policy = new Policy(8, 2, 9, 1);
        long chunkLength = 8L * FRAGMENT;
        List<Manifest.Chunk> chunks = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            List<Manifest.Fragment> fragments = new ArrayList<>();
            for (int f = 0; f < policy.width(); f++) {
                fragments.add(new Manifest.Fragment(r.nextInt(1000), Bytes.of(bytes(r, 8))));
            }
            chunks.add(new Manifest.Chunk(chunkLength, chunkLength - r.nextInt(4096), FRAGMENT, fragments));
        }
        return new Manifest(name, HexFormat.of().formatHex(bytes(r, 16)), 0, 2 * chunkLength,
                Digest.of("sha-256", bytes(r, 32)), policy, "lz4", "aes-256-gcm",
                "3f2b8c1e-5d4a-4e7b-9c2f-1a6d8e0b7c35", "xxh64", "rs", 0, chunks);
    }

    /** @return a 40-character object name */
    public static String exampleName(int i) {
        return String.format("volumes/vd-0001/snapshots/s017/blk-%05d", i);
    }

    /**
     * A random valid manifest: 0 to {@code maxChunks} chunks, random policy (k=1 replication included), some
     * fragments not written, object ids hex or not, names with non-ASCII characters.
     */
    public static Manifest random(SplittableRandom r, String name, int maxChunks) {
        int k = 1 + r.nextInt(6);
        int m = r.nextInt(4);
        Policy policy = new Policy(k, m, k + r.nextInt(m + 1), 1 + r.nextInt(3));
        int checksumLength = r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(32);
        int chunkCount = r.nextInt(maxChunks + 1);
        List<Manifest.Chunk> chunks = new ArrayList<>();
        long size = 0;
        for (int c = 0; c < chunkCount; c++) {
            List<Manifest.Fragment> fragments = new ArrayList<>();
            for (int f = 0; f < policy.width(); f++) {
                int osd = r.nextInt(5) == 0 ? Manifest.Fragment.NOT_WRITTEN
                        : r.nextBoolean() ? r.nextInt(100) : r.nextInt(Integer.MAX_VALUE);
                fragments.add(new Manifest.Fragment(osd, Bytes.of(bytes(r, checksumLength))));
            }
            long length = r.nextBoolean() ? r.nextInt(1 << 20) : r.nextLong(1L << 40);
            size += length;
            chunks.add(new Manifest.Chunk(length, r.nextLong(length + 1), r.nextInt(Integer.MAX_VALUE), fragments));
        }
        String objectId = switch (r.nextInt(4)) {
            case 0 -> "Not-Hex-" + r.nextInt();
            case 1 -> "abc"; // odd length: not raw
            default -> HexFormat.of().formatHex(bytes(r, r.nextInt(33)));
        };
        return new Manifest(name, objectId, r.nextLong(Long.MAX_VALUE), size,
                Digest.of(r.nextBoolean() ? "sha-256" : "crc32c", bytes(r, r.nextInt(33))), policy,
                r.nextBoolean() ? "lz4" : "none", r.nextBoolean() ? "aes-256-gcm" : "none",
                r.nextBoolean() ? "" : "key-" + r.nextInt(), "xxh64", "rs", r.nextInt(1 << 20), chunks);
    }

    private static byte[] bytes(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }
}
