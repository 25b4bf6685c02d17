/**
 * The ALBA manager: {@link io.albireo.abm.internal.AbmOperation}, the deterministic commands that run inside the
 * metadata store, and {@link io.albireo.abm.internal.AlbaManagerService}, the AlbaManager service that sends them and
 * talks to the OSDs when it claims them.
 */
package io.albireo.abm.internal;
