package io.albireo.console.internal;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import org.apache.karaf.features.Feature;
import org.apache.karaf.features.FeatureState;
import org.apache.karaf.features.FeaturesService;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

import io.albireo.api.AlbireoName;
import io.albireo.api.Implementation;

/** Gathers a {@link StatusReport} from the framework, Karaf's features service and the DS runtime. */
final class StatusCollector {
    /** Albireo's API packages: a service of one of their types is an Albireo service. */
    static final String API_PREFIX = "io.albireo.api.";
    /** Albireo's bundles and features are named with these. */
    static final String BUNDLE_PREFIX = "io.albireo.";
    static final String FEATURE_PREFIX = "albireo";

    private final BundleContext context;
    private final FeaturesService features;
    private final ServiceComponentRuntime scr;
    private final BootClock clock;

    /**
     * @param context the console bundle's context
     * @param features Karaf's features service, or {@code null} if absent
     * @param scr the DS runtime, or {@code null} if absent
     * @param clock the boot clock, or {@code null} if absent
     */
    StatusCollector(BundleContext context, FeaturesService features, ServiceComponentRuntime scr, BootClock clock) {
        this.context = context;
        this.features = features;
        this.scr = scr;
        this.clock = clock;
    }

    StatusReport collect() throws Exception {
        return new StatusReport(context.getBundle().getVersion().toString(),
                System.getProperty("karaf.version", "unknown"), System.getProperty("java.runtime.version"),
                ManagementFactory.getRuntimeMXBean().getUptime(), features(), services(), components(),
                activeComponents(), context.getBundles().length, clock == null ? -1 : clock.inactiveBundles(),
                clock == null ? -1 : clock.lastStartMillis());
    }

    private List<StatusReport.FeatureLine> features() throws Exception {
        List<StatusReport.FeatureLine> lines = new ArrayList<>();
        if (features == null) {
            return lines;
        }
        for (Feature f : features.listInstalledFeatures()) {
            if (f.getName().startsWith(FEATURE_PREFIX)) {
                FeatureState state = features.getState(f.getId());
                lines.add(new StatusReport.FeatureLine(f.getName(), f.getVersion(),
                        state == null ? "Unknown" : state.name()));
            }
        }
        lines.sort(Comparator.comparing(StatusReport.FeatureLine::name));
        return lines;
    }

    /** @return the Albireo services, one line per (service, API interface) */
    List<StatusReport.ServiceLine> services() throws InvalidSyntaxException {
        List<StatusReport.ServiceLine> lines = new ArrayList<>();
        ServiceReference<?>[] references = context.getAllServiceReferences(null, null);
        for (ServiceReference<?> ref : references == null ? new ServiceReference<?>[0] : references) {
            Bundle bundle = ref.getBundle();
            if (bundle == null) {
                continue; // unregistered while we looked
            }
            for (String type : (String[]) ref.getProperty(Constants.OBJECTCLASS)) {
                if (type.startsWith(API_PREFIX)) {
                    lines.add(new StatusReport.ServiceLine(type.substring(type.lastIndexOf('.') + 1),
                            text(ref.getProperty(AlbireoName.PROPERTY)), text(ref.getProperty(Implementation.PROPERTY)),
                            bundle.getSymbolicName(), bundle.getVersion().toString(), bundle.getBundleId()));
                }
            }
        }
        lines.sort(Comparator.comparing(StatusReport.ServiceLine::type).thenComparing(StatusReport.ServiceLine::name)
                .thenComparing(StatusReport.ServiceLine::implementation));
        return lines;
    }

    private List<StatusReport.ComponentLine> components() {
        List<StatusReport.ComponentLine> lines = new ArrayList<>();
        if (scr == null) {
            return lines;
        }
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            if (!d.bundle.symbolicName.startsWith(BUNDLE_PREFIX)) {
                continue;
            }
            if (!scr.isComponentEnabled(d)) {
                lines.add(new StatusReport.ComponentLine(d.name, d.bundle.symbolicName, "disabled", "-", false));
                continue;
            }
            for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                switch (c.state) {
                    case ComponentConfigurationDTO.UNSATISFIED_REFERENCE -> lines.add(new StatusReport.ComponentLine(
                            d.name, d.bundle.symbolicName, "unsatisfied", missing(d, c.unsatisfiedReferences), true));
                    case ComponentConfigurationDTO.FAILED_ACTIVATION -> lines.add(new StatusReport.ComponentLine(
                            d.name, d.bundle.symbolicName, "failed", firstLine(c.failure), true));
                    case ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION -> lines.add(
                            new StatusReport.ComponentLine(d.name, d.bundle.symbolicName, "waiting",
                                    "configuration " + String.join(", ", d.configurationPid), false));
                    default -> {
                        // satisfied or active: counted, not listed
                    }
                }
            }
        }
        lines.sort(Comparator.comparing(StatusReport.ComponentLine::name));
        return lines;
    }

    private int activeComponents() {
        if (scr == null) {
            return 0;
        }
        int count = 0;
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            if (d.bundle.symbolicName.startsWith(BUNDLE_PREFIX)) {
                for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                    if (c.state == ComponentConfigurationDTO.ACTIVE || c.state == ComponentConfigurationDTO.SATISFIED) {
                        count++;
                    }
                }
            }
        }
        return count;
    }

    /** @return the missing references by service type, the way an operator looks them up */
    private static String missing(ComponentDescriptionDTO d, UnsatisfiedReferenceDTO[] references) {
        return "needs " + String.join(", ", Arrays.stream(references).map(r -> {
            String type = Arrays.stream(d.references).filter(ref -> ref.name.equals(r.name))
                    .map(ref -> ref.interfaceName).findFirst().orElse(r.name);
            return r.target == null ? type : type + " " + r.target;
        }).toList());
    }

    private static String firstLine(String failure) {
        if (failure == null) {
            return "-";
        }
        int nl = failure.indexOf('\n');
        return nl < 0 ? failure : failure.substring(0, nl);
    }

    private static String text(Object property) {
        return property == null ? "-" : property.toString();
    }
}
