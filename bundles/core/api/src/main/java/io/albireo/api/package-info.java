/**
 * Values and conventions shared by every Albireo service: {@link io.albireo.api.Bytes} for keys and small values,
 * {@link io.albireo.api.Assert} and {@link io.albireo.api.Update} for atomic multi-updates (used by OSDs and the
 * metadata store alike), the {@link io.albireo.api.StorageException} family, and the component property types
 * {@link io.albireo.api.AlbireoName} and {@link io.albireo.api.Implementation} that every service carries.
 */
@Export
@Version("1.0.0")
package io.albireo.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
