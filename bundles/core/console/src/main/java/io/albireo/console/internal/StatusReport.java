package io.albireo.console.internal;

import java.util.List;

/**
 * A snapshot of the appliance, as {@code albireo:status} reports it.
 *
 * @param version the Albireo version
 * @param karafVersion the Karaf version
 * @param javaVersion the JVM's runtime version
 * @param uptimeMillis how long the JVM has run
 * @param features the installed Albireo features
 * @param services the registered Albireo services
 * @param components the Albireo DS components that are not running, with why
 * @param activeComponents how many Albireo DS components are active or satisfied
 * @param bundles how many bundles are installed
 * @param inactiveBundles how many bundles (fragments aside) are not active
 * @param lastStartMillis the JVM uptime when the latest bundle became active: the boot time, once boot is over
 */
record StatusReport(String version, String karafVersion, String javaVersion, long uptimeMillis,
        List<FeatureLine> features, List<ServiceLine> services, List<ComponentLine> components,
        int activeComponents, int bundles, long inactiveBundles, long lastStartMillis) {

    StatusReport {
        features = List.copyOf(features);
        services = List.copyOf(services);
        components = List.copyOf(components);
    }

    /** @return the components whose state is a fault: a missing reference or a failed activation */
    List<ComponentLine> faults() {
        return components.stream().filter(ComponentLine::fault).toList();
    }

    /** @return whether nothing is wrong */
    boolean healthy() {
        return faults().isEmpty();
    }

    /**
     * An installed feature.
     *
     * @param name the feature's name
     * @param version its version
     * @param state Installed, Resolved or Started
     */
    record FeatureLine(String name, String version, String state) {
    }

    /**
     * A registered Albireo service.
     *
     * @param type the simple name of its API interface
     * @param name its {@code albireo.name}, or "-"
     * @param implementation its {@code albireo.implementation}, or "-"
     * @param bundle the symbolic name of the bundle that registered it
     * @param bundleVersion that bundle's version
     * @param bundleId that bundle's id
     */
    record ServiceLine(String type, String name, String implementation, String bundle, String bundleVersion,
            long bundleId) {
    }

    /**
     * A DS component that is not running.
     *
     * @param name the component's name
     * @param bundle the symbolic name of its bundle
     * @param state what state it is in, in words
     * @param detail what it waits for: the unsatisfied references, or the activation failure
     * @param fault whether this is a fault (rather than waiting for configuration, which is normal for factories)
     */
    record ComponentLine(String name, String bundle, String state, String detail, boolean fault) {
    }
}
