/**
 * {@link io.albireo.proxy.client.ProxyClient}: an {@link io.albireo.api.object.ObjectStore} that talks to a remote
 * proxy over the proxy protocol (docs/PROXY-PROTOCOL.md). A plain jar outside OSGi too: it needs only
 * io.albireo.api and io.albireo.proxy.protocol.
 */
@Export
@Version("1.0.0")
package io.albireo.proxy.client;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
