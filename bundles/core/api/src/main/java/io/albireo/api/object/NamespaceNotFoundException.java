package io.albireo.api.object;

/**
 * A request named a namespace that does not exist. The proxy protocol carries it as its NAMESPACE_NOT_FOUND failure,
 * so a remote client gets it back as this type. It is an {@link ObjectNotFoundException}: whoever handles a missing
 * object handles a missing namespace too.
 */
public class NamespaceNotFoundException extends ObjectNotFoundException {
    private static final long serialVersionUID = 1L;

    /** @param message which namespace */
    public NamespaceNotFoundException(String message) {
        super(message);
    }

    /** @return the failure for {@code namespace}, worded the same wherever it is found missing */
    public static NamespaceNotFoundException of(String namespace) {
        return new NamespaceNotFoundException("namespace '" + namespace + "' does not exist");
    }
}
