/**
 * The aes-256-gcm {@link io.albireo.api.codec.Cipher} (see the bundle's README.md and docs/CIPHERS.md for the sealed
 * format): private to its bundle, found through the service registry.
 */
package io.albireo.cipher.aesgcm.internal;
