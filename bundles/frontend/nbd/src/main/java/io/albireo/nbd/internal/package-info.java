/**
 * The NBD server: {@link io.albireo.nbd.internal.NbdServer} (the DS component, its socket and its connections) and
 * {@link io.albireo.nbd.internal.NbdConnection} (one client's handshake and transmission), over the
 * {@link io.albireo.api.volume.VolumeService}.
 */
package io.albireo.nbd.internal;
