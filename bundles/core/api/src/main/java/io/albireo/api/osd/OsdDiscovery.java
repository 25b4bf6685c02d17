package io.albireo.api.osd;

import java.time.Instant;
import java.util.List;

/** The OSDs whose announcements this node has heard lately, whether or not any backend has claimed them. */
public interface OsdDiscovery {

    /** @return every OSD heard from within the expiry time, by long id */
    List<Discovered> discovered();

    /**
     * One OSD as discovery knows it.
     *
     * @param announcement its latest announcement
     * @param source the address the announcement came from
     * @param firstSeen when it was first heard
     * @param lastSeen when it was last heard
     */
    record Discovered(OsdAnnouncement announcement, String source, Instant firstSeen, Instant lastSeen) {
    }
}
