package io.albireo.discovery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.albireo.api.osd.OsdAnnouncement;
import io.albireo.testing.golden.GoldenFile;

/** The discovery announcement, version 1 (docs/DISCOVERY.md), pinned in src/test/resources/golden/. */
class AnnouncementGoldenTest {
    private static final OsdAnnouncement SAMPLE = new OsdAnnouncement(1, "asd",
            "8d2c3a6e-5f1b-4c7e-9a0d-2b6f4e1c7a93", "node-1", List.of("10.0.0.5", "fd00::5"), 8600, 1073741824L,
            4000787030016L, "albireo-asd 0.1.0");

    @Test
    void theEncoderWritesTheGoldenBytes() throws Exception {
        GoldenFile.of("osd-announcement-v1").assertMatches(AnnouncementCodec.encode(SAMPLE), "An OSD's discovery"
                + " announcement v1 (AnnouncementCodec): one UTF-8 JSON object per UDP datagram,\nthe example of"
                + " docs/DISCOVERY.md.");
    }

    @Test
    void theGoldenBytesDecodeToTheSample() throws Exception {
        assertEquals(SAMPLE, AnnouncementCodec.decode(ByteBuffer.wrap(GoldenFile.of("osd-announcement-v1").bytes())));
    }
}
