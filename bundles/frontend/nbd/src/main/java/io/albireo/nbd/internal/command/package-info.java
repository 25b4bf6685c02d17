/** The console's nbd:exports and nbd:connections. */
package io.albireo.nbd.internal.command;
