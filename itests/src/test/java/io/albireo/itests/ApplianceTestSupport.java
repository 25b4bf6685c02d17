package io.albireo.itests;

import javax.inject.Inject;

import org.apache.karaf.shell.api.console.SessionFactory;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.ProbeBuilder;
import org.ops4j.pax.exam.TestProbeBuilder;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;

/**
 * What every integration test class shares: one appliance booted per class (each class says how, in its
 * {@code @Configuration} method, usually {@code Appliance.boot()}), tests that start once the boot features are in (or
 * fail at once with the error of the one that did not install: {@link BootCheck}), and the bundle context and console
 * sessions to work with.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public abstract class ApplianceTestSupport {

    @Inject
    protected BundleContext context;

    @Inject
    protected SessionFactory sessions;

    /** The probe, which holds the test classes, starts only once the boot features are in: {@link BootCheck}. */
    @ProbeBuilder
    public TestProbeBuilder probe(TestProbeBuilder probe) {
        return probe.setHeader(Constants.BUNDLE_ACTIVATOR, BootCheck.class.getName());
    }

    /** @return the names (long ids) of the Osd services registered now, in order */
    protected java.util.List<String> osdNames() {
        try {
            java.util.List<String> names = new java.util.ArrayList<>();
            for (org.osgi.framework.ServiceReference<io.albireo.api.osd.Osd> r
                    : context.getServiceReferences(io.albireo.api.osd.Osd.class, null)) {
                names.add((String) r.getProperty(io.albireo.api.AlbireoName.PROPERTY));
            }
            names.sort(null);
            return names;
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a console command in a session, as {@link Appliance#execute} does. */
    protected String console(String command) throws Exception {
        return Appliance.execute(sessions, command);
    }
}
