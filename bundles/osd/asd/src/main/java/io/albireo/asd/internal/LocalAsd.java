package io.albireo.asd.internal;

import io.albireo.api.osd.DiskUsage;

/** An ASD running in this appliance, as {@code asd:list} shows it. */
public interface LocalAsd {

    /** @return the long id of its disk */
    String longId();

    /** @return the node it announces */
    String nodeId();

    /** @return where it stores its data */
    String path();

    /** @return where it listens, host:port */
    String address();

    /** @return its usage */
    DiskUsage diskUsage();

    /** @return the number of client connections open now */
    int connections();
}
