/**
 * The {@code codec:*} console commands: {@code codec:list} shows every algorithm by family and whether it is active;
 * {@code codec:bench} measures one inside the running appliance, the operator's way to see which implementation the
 * data path gets and how fast it is.
 */
package io.albireo.codec.registry.internal.command;
