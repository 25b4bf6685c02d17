package io.albireo.codec.registry.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;

import io.albireo.api.AlbireoName;
import io.albireo.api.Implementation;
import io.albireo.api.codec.AlgorithmUnavailableException;

/**
 * The live services of one codec family, by algorithm name. Several services may provide one algorithm (pure Java and
 * ISA-L); the one with the highest service ranking, then the lowest service id, is preferred.
 *
 * @param <T> the family's service type
 */
final class Family<T> {
    /** The highest ranking first; among equals, the oldest service. */
    private static final Comparator<Provider<?>> PREFERENCE = Comparator
            .comparingInt((Provider<?> p) -> p.ranking()).reversed()
            .thenComparingLong(Provider::serviceId);

    private final String family;
    private final Catalog catalog;
    private final Function<T, String> describe;
    /** Immutable lists, replaced whole, so readers never lock. */
    private final Map<String, List<Provider<T>>> byName = new ConcurrentHashMap<>();

    /**
     * @param family the family's name
     * @param catalog the algorithms Albireo ships
     * @param describe what an implementation offers or runs on, for codec:list
     */
    Family(String family, Catalog catalog, Function<T, String> describe) {
        this.family = family;
        this.catalog = catalog;
        this.describe = describe;
    }

    /** @return what {@code service} offers or runs on */
    String describe(T service) {
        return describe.apply(service);
    }

    String family() {
        return family;
    }

    void add(ServiceReference<?> reference, T service) {
        Provider<T> provider = Provider.of(reference, service);
        byName.compute(provider.name(), (name, list) -> {
            List<Provider<T>> next = new ArrayList<>(list == null ? List.of() : list);
            next.add(provider);
            next.sort(PREFERENCE);
            return List.copyOf(next);
        });
    }

    void remove(ServiceReference<?> reference) {
        long id = (Long) reference.getProperty(Constants.SERVICE_ID);
        for (String name : byName.keySet()) {
            byName.computeIfPresent(name, (n, list) -> {
                List<Provider<T>> next = new ArrayList<>(list);
                next.removeIf(p -> p.serviceId() == id);
                return next.isEmpty() ? null : List.copyOf(next);
            });
        }
    }

    /** @return the preferred provider of {@code name} */
    T resolve(String name) {
        List<Provider<T>> providers = byName.get(name);
        if (providers == null || providers.isEmpty()) {
            throw unavailable(name);
        }
        return providers.get(0).service();
    }

    /** @return the provider of {@code name} whose implementation is {@code implementation} */
    T resolve(String name, String implementation) {
        List<Provider<T>> providers = byName.getOrDefault(name, List.of());
        for (Provider<T> p : providers) {
            if (p.implementation().equals(implementation)) {
                return p.service();
            }
        }
        Optional<Catalog.Known> known = catalog.find(family, name, implementation);
        throw new AlgorithmUnavailableException(family, name + " (implementation " + implementation + ")",
                known.map(Catalog.Known::bundle).orElse(null), known.map(Catalog.Known::feature).orElse(null));
    }

    List<Provider<T>> providers() {
        List<Provider<T>> all = new ArrayList<>();
        byName.values().forEach(all::addAll);
        return all;
    }

    private AlgorithmUnavailableException unavailable(String name) {
        Optional<Catalog.Known> known = catalog.find(family, name);
        return new AlgorithmUnavailableException(family, name, known.map(Catalog.Known::bundle).orElse(null),
                known.map(Catalog.Known::feature).orElse(null));
    }

    /** One service providing one algorithm. */
    record Provider<T>(String name, String implementation, String bundle, int ranking, long serviceId, T service) {
        static <T> Provider<T> of(ServiceReference<?> reference, T service) {
            Object name = reference.getProperty(AlbireoName.PROPERTY);
            if (!(name instanceof String)) {
                throw new IllegalArgumentException("codec service " + reference + " from bundle "
                        + reference.getBundle().getSymbolicName() + " has no " + AlbireoName.PROPERTY + " property");
            }
            Object implementation = reference.getProperty(Implementation.PROPERTY);
            Object ranking = reference.getProperty(Constants.SERVICE_RANKING);
            return new Provider<>((String) name, implementation instanceof String s ? s : "default",
                    reference.getBundle().getSymbolicName(), ranking instanceof Integer r ? r : 0,
                    (Long) reference.getProperty(Constants.SERVICE_ID), service);
        }
    }
}
