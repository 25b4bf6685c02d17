/** Golden files: stored and wire formats pinned byte for byte, written once and checked forever. */
package io.albireo.testing.golden;
