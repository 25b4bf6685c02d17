/** The console commands of the ALBA manager: preset:*, namespace:* and osd:claim, osd:list, osd:decommission, osd:purge. */
package io.albireo.abm.internal.command;
