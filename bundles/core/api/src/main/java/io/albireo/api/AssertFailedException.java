package io.albireo.api;

/** An atomic apply was refused because one of its {@link Assert}s did not hold; nothing was changed. */
public class AssertFailedException extends StorageException {
    private static final long serialVersionUID = 1L;

    private final int index;
    private final transient Bytes key;

    /**
     * @param index the position of the failed assert in the list that was applied
     * @param key the key that assert was about
     */
    public AssertFailedException(int index, Bytes key) {
        super("assert " + index + " failed on key " + key);
        this.index = index;
        this.key = key;
    }

    /** @return the position of the failed assert in the list that was applied */
    public int index() {
        return index;
    }

    /** @return the key that assert was about */
    public Bytes key() {
        return key;
    }
}
