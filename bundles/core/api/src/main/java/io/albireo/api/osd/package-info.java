/**
 * The OSD: one storage device as a network key-value store, whatever it is (an ASD, a Kinetic drive, a whole backend).
 * {@link io.albireo.api.osd.Osd} offers multi-get, partial get, range listing and atomic applies with asserts, all
 * asynchronous so that one client keeps many requests in flight. Failures are typed: {@link io.albireo.api.AssertFailedException},
 * {@link io.albireo.api.osd.OsdFullException}, {@link io.albireo.api.osd.OsdProtocolException},
 * {@link io.albireo.api.osd.OsdUnavailableException}.
 */
@Export
@Version("1.2.0")
package io.albireo.api.osd;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
