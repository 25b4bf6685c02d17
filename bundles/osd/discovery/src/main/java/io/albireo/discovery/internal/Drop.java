package io.albireo.discovery.internal;

/** Why a received datagram was not taken as an announcement: counted, and logged at most once a minute each. */
enum Drop {
    /** Larger than {@link AnnouncementCodec#MAX_DATAGRAM} bytes. */
    OVERSIZED("larger than " + AnnouncementCodec.MAX_DATAGRAM + " bytes"),
    /** Not strict UTF-8 JSON holding one object. */
    MALFORMED("not a JSON object"),
    /** A field missing, of the wrong type or out of bounds. */
    INVALID("invalid"),
    /** A format version this bundle does not read. */
    UNKNOWN_VERSION("of an unknown version"),
    /** A new long id while the table holds {@link DiscoveredTable#MAX_OSDS} OSDs. */
    TABLE_FULL("a new OSD while the table is full");

    final String description;

    Drop(String description) {
        this.description = description;
    }
}
