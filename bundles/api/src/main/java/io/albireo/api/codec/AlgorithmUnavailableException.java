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
    private final String feature;

    /**
     * @param family the kind of algorithm ("compressor", "cipher", ...)
     * @param algorithm the name asked for
     * @param feature the Karaf feature that provides it, or {@code null} if no known feature does
     */
    public AlgorithmUnavailableException(String family, String algorithm, String feature) {
        super(feature == null
                ? family + " '" + algorithm + "' is unknown: no Albireo feature provides it"
                : family + " '" + algorithm + "' is not available: its bundle is not active. Install it with"
                        + " 'feature:install " + feature + "'");
        this.family = family;
        this.algorithm = algorithm;
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

    /** @return the feature that provides it, or {@code null} */
    public String feature() {
        return feature;
    }
}
