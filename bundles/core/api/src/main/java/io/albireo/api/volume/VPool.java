package io.albireo.api.volume;

/**
 * A vPool as it is now.
 *
 * @param config what it is
 * @param vDisks how many vDisks it holds
 */
public record VPool(VPoolConfig config, int vDisks) {
    /** @return its name */
    public String name() {
        return config.name();
    }
}
