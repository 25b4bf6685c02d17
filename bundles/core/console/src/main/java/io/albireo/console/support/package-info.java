/**
 * What Albireo's console commands share across bundles: {@link io.albireo.console.support.TrailingOptions}, which lets
 * an operator write a command's options after its arguments as well as before.
 */
@Export
@Version("1.0.0")
package io.albireo.console.support;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
