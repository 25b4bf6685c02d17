package io.albireo.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.Test;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;

/**
 * Bit rot in the running appliance: objects go in through the proxy at the default preset's (4,2,5,6); then bytes are
 * flipped, behind the ASDs' backs, in the segment files of two of the six ASDs, where their fragments are.
 * {@code namespace:verify} finds every damaged fragment (an ASD's own checksum or the fragment's) and rebuilds it from
 * the good ones; a second verify finds nothing wrong, and every object reads back byte for byte at the full policy.
 */
public class ScrubIT extends MaintenanceTestSupport {
    private static final String NS = "scrub-ns";
    private static final Pattern REPORT = Pattern.compile("(\\d+) missing, (\\d+) corrupt; (\\d+) objects repaired,"
            + " (\\d+) lost");

    @Configuration
    public Option[] configuration() {
        return Appliance.boot();
    }

    @Test
    public void flippedBytesInFragmentFilesAreFoundAndRebuiltByVerify() throws Exception {
        awaitDefaultBackend();
        proxy.createNamespace(NS, null);
        Map<String, byte[]> objects = putObjects(NS);
        int flipped = 0;
        for (String n : List.of("2", "5")) {
            Path segments = Path.of(System.getProperty("karaf.data"), "asd", n, "segments");
            try (Stream<Path> files = Files.list(segments)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                        // A byte in every 256 KiB of the file: inside values, whatever their sizes.
                        for (long at = 1000; at < ch.size(); at += 256 << 10) {
                            ByteBuffer b = ByteBuffer.allocate(1);
                            ch.read(b, at);
                            b.put(0, (byte) (b.get(0) ^ 0x5a)).rewind();
                            ch.write(b, at);
                            flipped++;
                        }
                        ch.force(false);
                    }
                }
            }
        }
        assertTrue("bytes were flipped in segment files", flipped > 5);

        Matcher first = report(console("namespace:verify " + NS));
        System.out.println("ScrubIT: " + flipped + " bytes flipped; first verify: " + first.group());
        int corrupt = Integer.parseInt(first.group(2));
        assertTrue("verify found damaged fragments: " + first.group(), corrupt > 0);
        assertTrue("and repaired their objects: " + first.group(), Integer.parseInt(first.group(3)) > 0);
        assertEquals("nothing lost: " + first.group(), 0, Integer.parseInt(first.group(4)));

        Matcher second = report(console("namespace:verify " + NS));
        assertEquals("a second verify finds nothing missing: " + second.group(), 0, Integer.parseInt(second.group(1)));
        assertEquals("nor corrupt: " + second.group(), 0, Integer.parseInt(second.group(2)));
        assertStoredAt(NS, objects, FULL, -1);
    }

    private static Matcher report(String out) {
        Matcher m = REPORT.matcher(out);
        assertTrue(out, m.find());
        return m;
    }
}
