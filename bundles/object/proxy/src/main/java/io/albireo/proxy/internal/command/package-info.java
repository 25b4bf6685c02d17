/** The proxy's console commands: proxy:stats. */
package io.albireo.proxy.internal.command;
