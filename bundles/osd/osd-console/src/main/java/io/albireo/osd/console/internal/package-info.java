/**
 * The {@code osd:*} console commands: {@code osd:bench} measures any {@link io.albireo.api.osd.Osd} service (an ASD
 * through its driver, later Kinetic drives) as the appliance sees it, writing only under a per-run key prefix that it
 * deletes at the end. Listing and managing OSDs is the ABM's, later.
 */
package io.albireo.osd.console.internal;
