package io.albireo.api.metadata;

/** The OSD belongs to another backend: it cannot be claimed. */
public class OsdClaimedException extends MetadataException {
    private static final long serialVersionUID = 1L;

    private final String owner;

    /**
     * @param longId the OSD
     * @param owner the backend that owns it
     */
    public OsdClaimedException(String longId, String owner) {
        super("OSD " + longId + " belongs to backend " + owner + ": it cannot be claimed by another");
        this.owner = owner;
    }

    /** @return the id of the backend that owns it */
    public String owner() {
        return owner;
    }
}
