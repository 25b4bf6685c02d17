/**
 * OSD discovery by UDP multicast: {@link io.albireo.discovery.internal.MulticastDiscovery} provides both
 * {@link io.albireo.api.osd.OsdAnnouncer} (this node's OSDs announce themselves) and
 * {@link io.albireo.api.osd.OsdDiscovery} (the OSDs heard from the group), with a strict, bounded JSON codec for what
 * arrives from the network. Private to its bundle, found through the service registry.
 */
package io.albireo.discovery.internal;
