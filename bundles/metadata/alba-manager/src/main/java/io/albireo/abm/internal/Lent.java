package io.albireo.abm.internal;

import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * A service held only for the length of one call: got, used, then released, even when the work fails. It is what a
 * component uses when it cannot reference a service (the namespace manager references the ABM, and a reference back
 * would make a cycle), so that it never uses a service it has already given back.
 *
 * @param <S> the service's type
 */
interface Lent<S> {

    /**
     * @param work what to do with the service; its answer may be null
     * @return the work's answer, or empty if no such service runs (or the answer was null)
     */
    <T> Optional<T> use(Function<S, T> work);

    /** @return the best service of {@code type} in the registry at each call */
    static <S> Lent<S> from(BundleContext context, Class<S> type) {
        return new Lent<>() {
            @Override
            public <T> Optional<T> use(Function<S, T> work) {
                ServiceReference<S> ref = context.getServiceReference(type);
                S service = ref == null ? null : context.getService(ref);
                if (service == null) {
                    return Optional.empty();
                }
                try {
                    return Optional.ofNullable(work.apply(service));
                } finally {
                    context.ungetService(ref);
                }
            }
        };
    }

    /** For tests: the service a supplier gives, with nothing to release. */
    static <S> Lent<S> of(Supplier<Optional<S>> service) {
        return new Lent<>() {
            @Override
            public <T> Optional<T> use(Function<S, T> work) {
                return service.get().map(work);
            }
        };
    }
}
