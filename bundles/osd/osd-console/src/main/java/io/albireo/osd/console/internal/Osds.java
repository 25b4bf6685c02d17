package io.albireo.osd.console.internal;

import java.util.Collection;
import java.util.Collections;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

import io.albireo.api.AlbireoName;
import io.albireo.api.osd.Osd;
import io.albireo.console.support.OsdCompleter;

/**
 * Finds Osd services by long id through the bundle context, rather than by a shell {@code @Reference}: a mandatory
 * reference would hide the commands whenever no OSD is registered, which is exactly when the operator needs to be told
 * so.
 */
final class Osds {

    private Osds() {
    }

    /** @return the long ids of every registered Osd, sorted (as {@link OsdCompleter} offers them) */
    static List<String> names(BundleContext context) {
        return OsdCompleter.names(context);
    }

    /** @return the Osd registered under {@code longId} with the highest ranking, or null */
    static ServiceReference<Osd> find(BundleContext context, String longId) {
        Collection<ServiceReference<Osd>> refs = references(context,
                "(" + AlbireoName.PROPERTY + "=" + escape(longId) + ")");
        return refs.isEmpty() ? null : Collections.max(refs);
    }

    /** @return the value with the characters an LDAP filter reserves escaped */
    static String escape(String value) {
        StringBuilder b = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            if (c == '\\' || c == '*' || c == '(' || c == ')') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    private static Collection<ServiceReference<Osd>> references(BundleContext context, String filter) {
        try {
            return context.getServiceReferences(Osd.class, filter);
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException("not a valid long id: " + e.getMessage(), e);
        }
    }
}
