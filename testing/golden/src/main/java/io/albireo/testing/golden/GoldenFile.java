package io.albireo.testing.golden;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

/**
 * One format's bytes pinned in a file, {@code src/test/resources/golden/NAME.hex} of the module under test: written
 * once, then checked forever. A test checks both ways, that the encoder still writes exactly these bytes and that the
 * decoder still reads them as the value they were written from; so a change of format cannot go unnoticed and leave
 * old data unreadable.
 *
 * <p>The file is hex text: {@code #} starts a comment to the end of the line, white space is ignored, so the bytes
 * can be annotated field by field after they are written. A missing file is an error, unless the test runs with
 * {@code -Dalbireo.golden.write=true}: then it is written (and the check still fails, so that the new file is looked
 * at and committed). An existing file is never overwritten: a new format version gets a new file beside the old,
 * and the old one keeps proving that the old version still reads (docs/FORMATS.md).
 */
public final class GoldenFile {
    /** The system property that lets a missing golden file be written. */
    public static final String WRITE = "albireo.golden.write";

    private static final HexFormat HEX = HexFormat.of();
    private static final int LINE = 32;

    private final String name;
    private final Path path;

    private GoldenFile(String name, Path path) {
        this.name = name;
        this.path = path;
    }

    /** The golden file NAME.hex of the module whose tests run (Maven runs them in the module's directory). */
    public static GoldenFile of(String name) {
        if (!name.matches("[a-z0-9][a-z0-9.-]*")) {
            throw new IllegalArgumentException("golden file name " + name + ": lower-case letters, digits, '.', '-'");
        }
        return new GoldenFile(name, Path.of("src", "test", "resources", "golden", name + ".hex"));
    }

    /** Where the file is, relative to the module. */
    public Path path() {
        return path;
    }

    /** The pinned bytes; fails if the file is missing or is not hex. */
    public byte[] bytes() {
        if (!Files.exists(path)) {
            throw new AssertionError("golden file " + path + " is missing: run the test once with -D" + WRITE
                    + "=true to write it, then review and commit it");
        }
        try {
            return parse(Files.readAllLines(path, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Checks that {@code encoded} is exactly the pinned bytes. Where the file is missing and writing is allowed,
     * writes it with {@code description} as its header and fails, so that the new file is reviewed.
     */
    public void assertMatches(byte[] encoded, String description) {
        if (!Files.exists(path) && Boolean.getBoolean(WRITE)) {
            write(encoded, description);
            throw new AssertionError("golden file " + path + " written (" + encoded.length
                    + " bytes): review it, annotate it if you like, commit it, and run again");
        }
        byte[] golden = bytes();
        int at = firstDifference(golden, encoded);
        if (at >= 0) {
            throw new AssertionError("the encoding of " + name + " differs from its golden file " + path
                    + " at byte " + at + " (golden " + golden.length + " bytes, now " + encoded.length + ")\n"
                    + "  golden: " + window(golden, at) + "\n" + "  now:    " + window(encoded, at) + "\n"
                    + "A stored or wire format must not change under its version: give the new form a new version"
                    + " and a new golden file, and keep reading this one (docs/FORMATS.md).");
        }
    }

    static byte[] parse(List<String> lines) {
        StringBuilder hex = new StringBuilder();
        for (String line : lines) {
            int comment = line.indexOf('#');
            String data = comment < 0 ? line : line.substring(0, comment);
            for (int i = 0; i < data.length(); i++) {
                char c = data.charAt(i);
                if (!Character.isWhitespace(c)) {
                    hex.append(c);
                }
            }
        }
        try {
            return HEX.parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw new AssertionError("golden file is not hex: " + e.getMessage(), e);
        }
    }

    private void write(byte[] encoded, String description) {
        StringBuilder text = new StringBuilder();
        for (String line : description.split("\n")) {
            text.append("# ").append(line).append('\n');
        }
        text.append("# ").append(encoded.length).append(" bytes. Written once; never edit the bytes: a new format")
                .append(" version gets a new file (docs/FORMATS.md).\n");
        for (int off = 0; off < encoded.length; off += LINE) {
            int end = Math.min(encoded.length, off + LINE);
            text.append(HEX.formatHex(encoded, off, end)).append("  # ").append(off).append('\n');
        }
        try {
            Files.createDirectories(path.getParent());
            Files.writeString(path, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int firstDifference(byte[] a, byte[] b) {
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) {
            if (a[i] != b[i]) {
                return i;
            }
        }
        return a.length == b.length ? -1 : n;
    }

    private static String window(byte[] bytes, int at) {
        int from = Math.max(0, at - 8);
        int to = Math.min(bytes.length, at + 8);
        return (from > 0 ? "..." : "") + HEX.formatHex(bytes, from, Math.min(at, to)) + "[" + HEX.formatHex(bytes,
                Math.min(at, to), to) + "]" + (to < bytes.length ? "..." : "");
    }
}
