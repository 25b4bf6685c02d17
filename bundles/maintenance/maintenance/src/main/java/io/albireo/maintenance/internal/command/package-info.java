/** The maintenance:* commands, osd:repair and namespace:verify: formatting only, the work is the Maintenance API. */
package io.albireo.maintenance.internal.command;
