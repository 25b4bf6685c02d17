package io.albireo.itests;

import javax.inject.Inject;

import org.apache.karaf.features.BootFinished;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

/**
 * What every integration test class shares: one appliance booted per class (each class says how, in its
 * {@code @Configuration} method, usually {@code Appliance.boot()}), tests that start once the boot features are in, and
 * the bundle context and console sessions to work with.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public abstract class ApplianceTestSupport {

    @Inject
    protected BundleContext context;

    @Inject
    protected SessionFactory sessions;

    /** Injected only once the boot features are installed: the tests start on a booted appliance. */
    @Inject
    protected BootFinished bootFinished;

    /** Runs a console command in a session, as {@link Appliance#execute} does. */
    protected String console(String command) throws Exception {
        return Appliance.execute(sessions, command);
    }
}
