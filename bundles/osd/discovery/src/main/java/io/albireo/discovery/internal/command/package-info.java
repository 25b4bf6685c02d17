/**
 * The {@code osd:discovered} console command: the OSDs this node hears announce themselves, as a table or as JSON.
 */
package io.albireo.discovery.internal.command;
