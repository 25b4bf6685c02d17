/** The "none" {@link io.albireo.api.codec.Cipher}: private to its bundle, found through the service registry. */
package io.albireo.cipher.none.internal;
