/**
 * A FUSE file system for crash tests: {@link io.albireo.testing.powerloss.PowerLossFileSystem} mounts a backing
 * directory that holds only what was made durable, cuts the power on command and mounts it again. A test fixture,
 * used as a test-scope dependency; the module's README.md gives the exact semantics.
 */
package io.albireo.testing.powerloss;
