/**
 * The {@code albireo:*} console commands: {@code albireo:status} shows the appliance at a glance (version, features,
 * every Albireo service with its bundle, and any component that is not running) and fails when something is wrong,
 * so scripts can use it as a health check through {@code bin/client}.
 */
package io.albireo.console.internal;
