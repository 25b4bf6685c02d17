package io.albireo.api.codec;

import io.albireo.api.StorageException;

/**
 * A named algorithm has no service: its bundle is not installed or not active. The message names the algorithm and
 * the feature that provides it.
 */
public class AlgorithmUnavailableException extends StorageException {
    private static final long serialVersionUID = 1L;

    private final String family;
    private final String algorithm;
    private final String bundle;
    private final String feature;

    /**
     * @param family the kind of algorithm ("compressor", "cipher", ...)
     * @param algorithm the name asked for
     * @param bundle the symbolic name of the bundle that provides it, or {@code null} if no known bundle does
     * @param feature the Karaf feature that installs that bundle, or {@code null} if no known feature does
     */
    public AlgorithmUnavailableException(String family, String algorithm, String bundle, String feature) {
        super(feature == null
                ? family + " '" + algorithm + "' is unknown: no Albireo feature provides it"
                : family + " '" + algorithm + "' is not available: bundle " + bundle + " is not active."
                        + " Install it with 'feature:install " + feature + "'");
        this.family = family;
        this.algorithm = algorithm;
        this.bundle = bundle;
        this.feature = feature;
    }

    /** @return the kind of algorithm */
    public String family() {
        return family;
    }

    /** @return the name asked for */
    public String algorithm() {
        return algorithm;
    }

    /** @return the bundle that provides it, or {@code null} */
    public String bundle() {
        return bundle;
    }

    /** @return the feature that provides it, or {@code null} */
    public String feature() {
        return feature;
    }
}
