/**
 * JMH benchmarks of Albireo's hot code, one sub-package per part (codecs first). They run outside OSGi, on the
 * bundles' classes as plain jars, and are started by {@code ./albireo bench}; their figures go to docs/PERFORMANCE.md.
 */
package io.albireo.benchmarks;
