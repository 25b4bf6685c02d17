/**
 * What Albireo's console commands share across bundles: {@link io.albireo.console.support.TrailingOptions}, which lets
 * an operator write a command's options after its arguments as well as before, and the completers of the names more
 * than one bundle's commands take: {@link io.albireo.console.support.NamespaceCompleter},
 * {@link io.albireo.console.support.PresetCompleter} and {@link io.albireo.console.support.OsdCompleter}, over
 * {@link io.albireo.console.support.Completions}. This bundle's {@code Karaf-Commands} header registers them, so a
 * command in any bundle names one in {@code @Completion} and the console finds the one instance.
 */
@Export
@Version("1.2.0")
package io.albireo.console.support;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
