package io.albireo.api.metadata;

import java.util.List;
import java.util.Optional;

import io.albireo.api.Bytes;

/**
 * The ALBA manager (ABM): what one backend is made of. It knows the OSDs it has claimed, the nodes they are on, the
 * presets, the namespaces and the namespace manager hosts that hold them, the data keys (wrapped: {@link WrappedKey})
 * and the maintenance work queue. Every mutation runs as one named operation inside the {@link MetadataStore} (one
 * round trip, atomic, deterministic), so a replicated store can apply it on every replica alike. Implementations are
 * thread-safe.
 */
public interface AlbaManager {

    /** @return this backend's id, made when its metadata was first initialised */
    String backendId();

    // OSDs

    /**
     * Claims an OSD for this backend: writes this backend's id on the OSD itself, guarded by an assert (so an OSD
     * belongs to one backend only), then records it. Claiming an OSD this backend already owns returns its record.
     *
     * @param longId the OSD's long id; an Osd service of that name must be available
     * @return its record
     * @throws OsdClaimedException if another backend owns it
     * @throws io.albireo.api.osd.OsdUnavailableException if it cannot be reached
     */
    ClaimedOsd claimOsd(String longId);

    /** @return every OSD of this backend, by number */
    List<ClaimedOsd> osds();

    /** @return the OSD of this long id, if this backend owns it */
    Optional<ClaimedOsd> osd(String longId);

    /**
     * Decommissions an OSD: nothing new is placed on it, and maintenance moves its fragments away. When a claimed OSD
     * becomes decommissioned, the same transaction queues a {@code repair-osd} work item per active namespace (payload
     * {@code {"namespace":"NAME","osd":NUMBER}}), so its repair cannot be lost. An OSD decommissioned already is
     * returned as it is; a dead one becomes decommissioned without a second repair (its own was queued when it died).
     *
     * @return its record after the call
     * @throws MetadataException if this backend does not own it
     */
    ClaimedOsd decommissionOsd(String longId);

    /**
     * Marks an OSD dead: it stopped answering for longer than maintenance's timeout. Nothing new is placed on it, and
     * the same transaction queues a {@code repair-osd} work item per active namespace, as {@link #decommissionOsd}
     * does, so that maintenance rebuilds its fragments elsewhere. An OSD dead or decommissioned already is returned as
     * it is, and nothing is queued: agents that detect the same death all call this, and one repair results.
     *
     * @return its record after the call
     * @throws MetadataException if this backend does not own it
     */
    ClaimedOsd markOsdDead(String longId);

    /**
     * Forgets a decommissioned or dead OSD that holds no fragment of this backend any more, and removes this backend's
     * registration from the OSD if it can still be reached.
     *
     * @throws MetadataException if it is still claimed, or still holds fragments
     */
    void purgeOsd(String longId);

    /** @return the ids of the nodes the claimed OSDs are on, in order */
    List<String> nodes();

    // Presets

    /**
     * Creates a preset.
     *
     * @throws InvalidPresetException if it breaks a rule (an unknown algorithm included); the message names it
     * @throws MetadataException if the name is taken
     */
    void createPreset(Preset preset);

    /** @return every preset, by name */
    List<Preset> presets();

    /** @return the preset of this name */
    Optional<Preset> preset(String name);

    /**
     * Changes a preset's policies and max fragment size; objects already written keep the policy they were written
     * with, new ones use the new.
     *
     * @throws InvalidPresetException if the result breaks a rule
     * @throws MetadataException if there is no such preset
     */
    Preset updatePreset(String name, List<Policy> policies, int maxFragmentSize);

    /**
     * Deletes a preset no namespace uses.
     *
     * @throws MetadataException if a namespace uses it, it is the default, or it does not exist
     */
    void deletePreset(String name);

    /** Makes a preset the default for namespaces created without one. */
    void setDefaultPreset(String name);

    /** @return the default preset's name, if one is set */
    Optional<String> defaultPreset();

    // Namespaces

    /**
     * Creates a namespace, assigned to the NSM host with the fewest namespaces.
     *
     * @param name its name
     * @param preset the preset, or {@code null} for the default
     * @throws MetadataException if the name is taken, the preset does not exist or there is no NSM host
     */
    Namespace createNamespace(String name, String preset);

    /**
     * Deletes a namespace: its name is free at once; its objects are removed in the background.
     *
     * @throws io.albireo.api.object.NamespaceNotFoundException if it does not exist
     */
    void deleteNamespace(String name);

    /**
     * What maintenance says once a deleted namespace's fragments are swept off the OSDs: its record goes, and its NSM
     * host carries one namespace less. Saying it again, or of an id that is not being deleted, changes nothing.
     *
     * @param id the deleted namespace's id (the payload of its {@code delete-namespace} work item)
     */
    void namespaceDeleted(long id);

    /** @return every active namespace, by name */
    List<Namespace> namespaces();

    /** @return the active namespace of this name */
    Optional<Namespace> namespace(String name);

    // NSM hosts

    /** Registers a namespace manager host; registering the same id and address again changes nothing. */
    NsmHost addNsmHost(String id, String address);

    /** @return every NSM host, by id */
    List<NsmHost> nsmHosts();

    // Data keys

    /**
     * Stores a wrapped data key as version {@code key.version()} of its owner, and makes it the owner's current key,
     * if the owner's current version is the one before it (none, for version 1). So when two callers race to make an
     * owner's first key, or to rotate it, one key is stored and both get that one back. The first key stored makes
     * its KEK id the backend's; a key wrapped under another KEK is refused.
     *
     * @param key the key, wrapped by the caller (the operation makes no key and reads no clock)
     * @return the owner's current key after the call: {@code key} if it was stored, else the one another caller
     *         stored first
     * @throws MetadataException if it is wrapped under a KEK other than the backend's, or its version is more than one
     *         past the owner's current one
     */
    WrappedKey addKey(WrappedKey key);

    /** @return every data key of this backend, wrapped, by id */
    List<WrappedKey> keys();

    /** @return the key of this id (what a manifest names), if the backend holds it */
    Optional<WrappedKey> key(String id);

    /** @return the owner's current key: the one new writes use */
    Optional<WrappedKey> currentKey(String owner);

    /** @return the id of the KEK that wraps this backend's keys, once a key is stored */
    Optional<Bytes> kekId();

    // Maintenance work

    /** Queues a piece of work. @return its id */
    long queueWork(String kind, Bytes payload);

    /**
     * Leases up to {@code max} items that nobody holds (or whose lease ran out) to {@code agent}.
     *
     * @param nowMillis the agent's clock, epoch milliseconds: the operation itself reads no clock
     * @param leaseMillis how long the lease runs
     */
    List<WorkItem> leaseWork(String agent, int max, long nowMillis, long leaseMillis);

    /**
     * Removes a finished item.
     *
     * @throws MetadataException if {@code agent} does not hold its lease (it ran out and another took it)
     */
    void finishWork(long id, String agent);

    /**
     * Extends the lease of an item its agent still works on, and replaces its payload by the job's checkpoint (how
     * far it has come), so that an agent taking the item over after a crash resumes there. The agent must hold the
     * item's lease; a lease that ran out is still its own as long as no other agent took the item.
     *
     * @param payload the item's new payload
     * @param nowMillis the agent's clock, epoch milliseconds: the operation itself reads no clock
     * @param leaseMillis how long the lease runs from {@code nowMillis}
     * @return the item as it is now
     * @throws MetadataException if the item is gone (finished) or another agent holds it
     */
    WorkItem renewWork(long id, String agent, Bytes payload, long nowMillis, long leaseMillis);

    /** @return the queued item of this id, if it is still queued (not finished) */
    Optional<WorkItem> workItem(long id);

    /** @return up to {@code limit} queued items, in order */
    List<WorkItem> work(int limit);
}
