package io.albireo.codec.rs.isal.internal;

import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.jna.NativeLibrary;

/**
 * Binds libisal when the bundle starts, and only then enables {@link IsalReedSolomonCodec}. Where the library is
 * missing the bundle stays active but provides nothing, and says why in the log: the appliance keeps running on the
 * pure-Java codec.
 */
@Component(immediate = true)
public final class IsalLoader {
    private static final Logger LOG = LoggerFactory.getLogger(IsalLoader.class);

    /** DS constructor: try the library, enable the codec if it is there. */
    @Activate
    public IsalLoader(ComponentContext context) {
        try {
            NativeLibrary library = Isal.load();
            LOG.info("Intel ISA-L {} found at {}: the accelerated rs erasure codec is on", Isal.version(library),
                    library.getFile());
            context.enableComponent(IsalReedSolomonCodec.class.getName());
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            LOG.warn("The accelerated rs erasure codec stays off, the pure-Java one serves: {}. Install Debian's"
                    + " libisal2 and restart this bundle (bundle:restart io.albireo.codec.rs.isal) to turn it on.",
                    e.getMessage());
        }
    }
}
