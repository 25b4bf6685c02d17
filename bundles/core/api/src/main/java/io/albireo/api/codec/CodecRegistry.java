package io.albireo.api.codec;

import java.util.List;

/**
 * Finds codecs by name. It tracks the codec services as they come and go, so a bundle installed or removed while the
 * appliance runs is seen at the next call. Resolving a missing algorithm throws
 * {@link AlgorithmUnavailableException}, which names the feature to install.
 */
public interface CodecRegistry {

    /** @return the checksum named {@code name} */
    Checksum checksum(String name);

    /** @return the compressor named {@code name} */
    Compressor compressor(String name);

    /** @return the cipher named {@code name} */
    Cipher cipher(String name);

    /** @return the preferred implementation (highest service ranking) of the erasure codec named {@code name} */
    ErasureCodec erasureCodec(String name);

    /** @return the implementation {@code implementation} of the erasure codec named {@code name} */
    ErasureCodec erasureCodec(String name, String implementation);

    /** @return every algorithm Albireo knows of, active or not, and every active one it does not know */
    List<AlgorithmInfo> algorithms();

    /**
     * One algorithm as the registry sees it.
     *
     * @param family "checksum", "compressor", "cipher" or "erasure-codec"
     * @param name the algorithm's name
     * @param implementation the implementation's short name
     * @param details what the implementation offers or runs on ("levels 1 to 19", "Vector API, 512-bit"), or "-"
     *        when it is not active
     * @param bundle the symbolic name of the bundle that provides it, or the one that would
     * @param feature the Karaf feature that provides it, or {@code null} if unknown
     * @param active whether a service is registered now
     */
    record AlgorithmInfo(String family, String name, String implementation, String details, String bundle,
            String feature, boolean active) {
    }
}
