/** The proxy's console commands: proxy:stats, key:list, key:rotate. */
package io.albireo.proxy.internal.command;
