/**
 * Maintenance of a backend: the jobs that repair, complete, collect and verify, their progress, and the controls an
 * operator has over them ({@link io.albireo.api.maintenance.Maintenance}). The console commands, the REST API and the
 * metrics read the same figures.
 */
@Export
@Version("1.0.0")
package io.albireo.api.maintenance;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
