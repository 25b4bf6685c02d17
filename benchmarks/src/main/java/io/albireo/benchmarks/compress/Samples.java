package io.albireo.benchmarks.compress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The benchmarks' inputs, found on any Debian machine with a JDK 17 or generated deterministically:
 * <ul>
 * <li>{@code text}: every regular file in /usr/share/common-licenses and the JDK's legal/ folder (duplicates once),
 * sorted by path and concatenated: about 500 KB of English licence text, not repeated.</li>
 * <li>{@code binary}: 4 MiB of the JDK's lib/server/libjvm.so from its 4 MiB offset, machine code mostly.</li>
 * <li>{@code zeros}: 4 MiB of zeros.</li>
 * <li>{@code random}: 4 MiB from SplittableRandom(20261122): incompressible.</li>
 * </ul>
 */
final class Samples {
    static final int SIZE = 4 << 20;

    private Samples() {
    }

    static byte[] load(String kind) {
        try {
            return switch (kind) {
                case "text" -> text();
                case "binary" -> binary();
                case "zeros" -> new byte[SIZE];
                case "random" -> random();
                default -> throw new IllegalArgumentException("no sample '" + kind + "'");
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] text() throws IOException {
        Path javaHome = Path.of(System.getProperty("java.home"));
        List<Path> files = new ArrayList<>();
        for (Path dir : List.of(Path.of("/usr/share/common-licenses"), javaHome.resolve("legal"))) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> walk = Files.walk(dir)) {
                    walk.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).sorted()
                            .forEach(files::add);
                }
            }
        }
        Set<ByteBuffer> seen = new HashSet<>();
        ByteBuffer text = ByteBuffer.allocate(SIZE);
        for (Path file : files) {
            byte[] content = Files.readAllBytes(file);
            if (seen.add(ByteBuffer.wrap(content)) && content.length <= text.remaining()) {
                text.put(content);
            }
        }
        if (text.position() < 64 << 10) {
            throw new IllegalStateException("found only " + text.position() + " bytes of text in " + files);
        }
        return java.util.Arrays.copyOf(text.array(), text.position());
    }

    private static byte[] binary() throws IOException {
        Path libjvm = Path.of(System.getProperty("java.home"), "lib", "server", "libjvm.so");
        try (FileChannel channel = FileChannel.open(libjvm)) {
            long offset = Math.max(0, Math.min(SIZE, channel.size() - SIZE));
            ByteBuffer bytes = ByteBuffer.allocate((int) Math.min(SIZE, channel.size()));
            while (bytes.hasRemaining() && channel.read(bytes, offset + bytes.position()) > 0) {
                // read until full
            }
            return bytes.array();
        }
    }

    private static byte[] random() {
        byte[] bytes = new byte[SIZE];
        new SplittableRandom(20261122).nextBytes(bytes);
        return bytes;
    }
}
