/** The object console: object:put, object:get, object:list, object:stat, object:delete and proxy:bench. */
package io.albireo.object.console.internal;
