package io.albireo.codec.rs.isal.internal;

import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.jna.NativeLibrary;

/**
 * Binds libisal when the bundle starts, and only then enables {@link IsalReedSolomonCodec}. Where the library is
 * missing the bundle stays active but provides nothing, and says why in the log: the appliance keeps running on the
 * pure-Java codec.
 */
@Component(immediate = true, configurationPid = IsalLoader.PID)
@Designate(ocd = IsalLoader.Config.class)
public final class IsalLoader {
    static final String PID = "io.albireo.codec.rs.isal";
    private static final Logger LOG = LoggerFactory.getLogger(IsalLoader.class);

    /** Where to find ISA-L. */
    @ObjectClassDefinition(name = "Albireo erasure codec rs (ISA-L)",
            description = "Where the accelerated rs codec finds Intel ISA-L")
    public @interface Config {
        @AttributeDefinition(description = "Library names or absolute paths to try in order, e.g."
                + " /opt/isa-l/lib/libisal.so for a build of your own")
        String[] library() default {"libisal.so.2", "isal"};
    }

    /** DS constructor: try the library, enable the codec if it is there. */
    @Activate
    public IsalLoader(ComponentContext context, Config config) {
        try {
            NativeLibrary library = Isal.load(config.library());
            LOG.info("Intel ISA-L {} found at {}: the accelerated rs erasure codec is on", Isal.version(library),
                    library.getFile() == null ? library.getName() : library.getFile());
            context.enableComponent(IsalReedSolomonCodec.class.getName());
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            LOG.warn("The accelerated rs erasure codec stays off, the pure-Java one serves: {}. Install Debian's"
                    + " libisal2 (or set 'library' in etc/{}.cfg) and restart this bundle"
                    + " (bundle:restart io.albireo.codec.rs.isal) to turn it on.", e.getMessage(), PID);
        }
    }
}
