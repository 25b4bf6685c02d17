/**
 * The {@link io.albireo.api.codec.CodecRegistry} implementation: tracks every codec service as bundles come and go,
 * and knows which feature provides each algorithm Albireo ships.
 */
package io.albireo.codec.registry.internal;
