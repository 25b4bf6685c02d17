package io.albireo.api.object;

import io.albireo.api.codec.Digest;

/**
 * What is stored under a name.
 *
 * @param namespace the namespace
 * @param name the object's name
 * @param objectId the id of this version of the object, new at every put
 * @param size the object's length in bytes
 * @param checksum the checksum of the object's bytes
 */
public record ObjectInfo(String namespace, String name, String objectId, long size, Digest checksum) {
}
