package io.albireo.proxy.internal;

/**
 * What {@code key:list} and {@code key:rotate} show of a data key: never the key, wrapped or not.
 *
 * @param id the id manifests name
 * @param owner what it belongs to ({@code preset-NAME})
 * @param version its version
 * @param current whether new writes of its owner use it
 * @param createdMillis when it was made, epoch milliseconds
 * @param bits the data key's length
 * @param wrapping how it is wrapped
 * @param kek the first 8 bytes of the id of the KEK it is wrapped under, hex
 */
public record KeyInfo(String id, String owner, int version, boolean current, long createdMillis, int bits,
        String wrapping, String kek) {
}
