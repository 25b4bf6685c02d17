/**
 * The maintenance agent: {@link io.albireo.maintenance.internal.MaintenanceService} (the DS component), the
 * {@link io.albireo.maintenance.internal.Agent} that leases and runs work items, the jobs per kind, the
 * {@link io.albireo.maintenance.internal.ObjectRepair} they share, and the failure detector.
 */
package io.albireo.maintenance.internal;
