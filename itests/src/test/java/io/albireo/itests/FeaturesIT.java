package io.albireo.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.apache.karaf.features.Feature;
import org.apache.karaf.features.FeaturesService;
import org.apache.karaf.features.Repository;
import org.junit.Test;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;

/**
 * Every Albireo feature installs from the image alone, as an operator would hot-deploy it on an appliance without
 * internet: the container boots Karaf's own features only, and resolves Maven artifacts from its system repository
 * (and Pax Exam's bundles) only. Each feature is installed on its own, its bundles checked active, and uninstalled
 * again, so that each proves it brings everything it needs.
 */
public class FeaturesIT extends ApplianceTestSupport {
    private static final String ALBIREO = "albireo-";

    @Inject
    FeaturesService features;

    @Configuration
    public Option[] configuration() {
        List<String> karafOnly = Appliance.imageBootFeatures().stream().filter(f -> !f.startsWith(ALBIREO))
                .collect(Collectors.toList());
        return Appliance.boot(Appliance.Ports.free(), karafOnly);
    }

    @Test
    public void everyAlbireoFeatureInstallsAloneFromTheImage() throws Exception {
        List<Feature> albireo = albireoFeatures();
        assertTrue("the image lists the Albireo features: " + albireo, albireo.size() >= 20);
        assertEquals("no Albireo bundle before the first install", List.of(), albireoBundles());

        // Karaf would refresh the probe (this test) after an install, for its DynamicImport-Package: *.
        EnumSet<FeaturesService.Option> noRefresh = EnumSet.of(FeaturesService.Option.NoAutoRefreshBundles);
        Map<String, String> failed = new TreeMap<>();
        for (Feature feature : albireo) {
            try {
                features.installFeature(feature.getName(), feature.getVersion(), noRefresh);
                List<String> inactive = inactiveBundlesOf(feature);
                if (!features.isInstalled(feature)) {
                    failed.put(feature.getName(), "not installed after feature:install");
                } else if (!inactive.isEmpty()) {
                    failed.put(feature.getName(), "bundles not active: " + inactive);
                }
            } catch (Exception e) {
                failed.put(feature.getName(), e.toString());
            } finally {
                if (features.isInstalled(feature)) {
                    features.uninstallFeature(feature.getName(), feature.getVersion(), noRefresh);
                }
            }
            List<String> left = albireoBundles();
            if (!left.isEmpty()) {
                failed.merge(feature.getName(), "left bundles behind after uninstalling: " + left,
                        (a, b) -> a + "; " + b);
                break; // the next install would no longer be alone
            }
        }
        assertEquals("features that do not install alone from the image", Map.of(), failed);
    }

    /** @return every feature of the Albireo features repository, which the image registers */
    private List<Feature> albireoFeatures() throws Exception {
        List<Feature> found = new ArrayList<>();
        for (Repository repository : features.listRepositories()) {
            if (repository.getName().startsWith(ALBIREO)) {
                found.addAll(Arrays.asList(repository.getFeatures()));
            }
        }
        return found;
    }

    /** @return the bundles the feature names itself that are installed but not active (fragments excepted) */
    private List<String> inactiveBundlesOf(Feature feature) {
        List<String> inactive = new ArrayList<>();
        for (org.apache.karaf.features.BundleInfo info : feature.getBundles()) {
            Bundle bundle = context.getBundle(info.getLocation());
            if (bundle == null) {
                inactive.add(info.getLocation() + " (not installed)");
            } else if (bundle.getHeaders().get(Constants.FRAGMENT_HOST) == null
                    && bundle.getState() != Bundle.ACTIVE) {
                inactive.add(bundle.getSymbolicName() + " (state " + bundle.getState() + ")");
            }
        }
        return inactive;
    }

    private List<String> albireoBundles() {
        return Arrays.stream(context.getBundles()).map(Bundle::getSymbolicName)
                .filter(n -> n != null && n.startsWith("io.albireo.") && !n.startsWith("io.albireo.itests"))
                .sorted().collect(Collectors.toList());
    }
}
