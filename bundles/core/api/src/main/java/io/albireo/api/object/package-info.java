/**
 * The object API over a backend: namespaces of named, immutable objects, stored by a preset's policy, read whole or
 * by byte range. {@link io.albireo.api.object.ObjectStore} is what the proxy provides and the volume driver uses.
 */
@Export
@Version("1.2.0")
package io.albireo.api.object;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
