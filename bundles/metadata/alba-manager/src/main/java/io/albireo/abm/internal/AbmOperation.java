package io.albireo.abm.internal;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import org.osgi.service.component.annotations.Component;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import io.albireo.api.AlbireoName;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;
import io.albireo.api.metadata.ClaimedOsd;
import io.albireo.api.metadata.MetadataException;
import io.albireo.api.metadata.MetadataOperation;
import io.albireo.api.metadata.MetadataTransaction;
import io.albireo.api.metadata.Namespace;
import io.albireo.api.metadata.NsmHost;
import io.albireo.api.metadata.Policy;
import io.albireo.api.metadata.Preset;
import io.albireo.api.metadata.WorkItem;
import io.albireo.api.metadata.WrappedKey;
import io.albireo.api.object.NamespaceNotFoundException;

/**
 * The ALBA manager's mutations, one named operation ({@value #NAME}) inside the metadata store. The argument is a JSON
 * command, {@code {"command": "create-namespace", ...}}; every command reads and writes only through the transaction
 * and reads no clock and no randomness (ids and times come in the argument), so a replicated store applies it alike
 * on every replica. A refused command throws {@link MetadataException}, and nothing it wrote is applied.
 *
 * <p>
 * Keys, all under {@code abm/}: {@code backend}; {@code osd/LONGID} (a {@link ClaimedOsd}); {@code preset/NAME};
 * {@code default-preset}; {@code ns/NAME} (an active {@link Namespace}); {@code ns-deleting/ID} (a deleted one whose
 * objects are still being removed); {@code nsm/ID}; {@code work/ID} (16 hex digits, so in queue order); the counters
 * {@code next/osd}, {@code next/ns}, {@code next/work}; and the data keys: {@code key/ID} (a {@link WrappedKey} in
 * its binary stored form, {@link KeyRecord}), {@code key-current/OWNER} (the owner's current version) and
 * {@code kek} (the id of the KEK that wraps them all, hex). Values other than keys are JSON (docs/METADATA.md).
 */
@Component(service = MetadataOperation.class)
@AlbireoName(AbmOperation.NAME)
public final class AbmOperation implements MetadataOperation {
    /** The operation's name. */
    public static final String NAME = "abm";

    static final Bytes BACKEND = Bytes.utf8("abm/backend");
    static final Bytes OSDS = Bytes.utf8("abm/osd/");
    static final Bytes PRESETS = Bytes.utf8("abm/preset/");
    static final Bytes DEFAULT_PRESET = Bytes.utf8("abm/default-preset");
    static final Bytes NAMESPACES = Bytes.utf8("abm/ns/");
    static final Bytes DELETING = Bytes.utf8("abm/ns-deleting/");
    static final Bytes NSM_HOSTS = Bytes.utf8("abm/nsm/");
    static final Bytes WORK = Bytes.utf8("abm/work/");
    static final Bytes KEYS = Bytes.utf8("abm/key/");
    static final Bytes CURRENT_KEYS = Bytes.utf8("abm/key-current/");
    static final Bytes KEK = Bytes.utf8("abm/kek");
    private static final Bytes NEXT_OSD = Bytes.utf8("abm/next/osd");
    private static final Bytes NEXT_NAMESPACE = Bytes.utf8("abm/next/ns");
    private static final Bytes NEXT_WORK = Bytes.utf8("abm/next/work");
    /** The most items one scan of the queue looks at; the queue is read in pages. */
    private static final int PAGE = 1000;
    /** The work item that rebuilds one namespace's fragments of an OSD that left: {"namespace":NAME,"osd":NUMBER}. */
    static final String REPAIR_OSD = "repair-osd";

    private final AbmJson json = new AbmJson();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Bytes apply(MetadataTransaction tx, Bytes argument) {
        JsonObject command;
        try {
            command = JsonParser.parseString(argument.utf8()).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException("an ABM command is a JSON object: " + e.getMessage(), e);
        }
        JsonElement result = switch (string(command, "command")) {
            case "init" -> init(tx, string(command, "backendId"));
            case "claim-osd" -> claimOsd(tx, json.decode(command.get("osd"), ClaimedOsd.class));
            case "decommission-osd" -> setOsdState(tx, string(command, "longId"), ClaimedOsd.State.DECOMMISSIONED);
            case "mark-osd-dead" -> setOsdState(tx, string(command, "longId"), ClaimedOsd.State.DEAD);
            case "purge-osd" -> purgeOsd(tx, string(command, "longId"));
            case "create-preset" -> createPreset(tx, json.decode(command.get("preset"), Preset.class));
            case "update-preset" -> updatePreset(tx, string(command, "name"),
                    List.of(json.decode(command.get("policies"), Policy[].class)), integer(command, "maxFragmentSize"));
            case "delete-preset" -> deletePreset(tx, string(command, "name"));
            case "set-default-preset" -> setDefaultPreset(tx, string(command, "name"));
            case "create-namespace" -> createNamespace(tx, string(command, "name"),
                    command.has("preset") && !command.get("preset").isJsonNull() ? string(command, "preset") : null);
            case "delete-namespace" -> deleteNamespace(tx, string(command, "name"));
            case "namespace-deleted" -> namespaceDeleted(tx, command.get("id").getAsLong());
            case "add-nsm-host" -> addNsmHost(tx, string(command, "id"), string(command, "address"));
            case "queue-work" -> queueWork(tx, string(command, "kind"), json.decode(command.get("payload"),
                    Bytes.class));
            case "lease-work" -> leaseWork(tx, string(command, "agent"), integer(command, "max"),
                    command.get("now").getAsLong(), command.get("leaseMillis").getAsLong());
            case "finish-work" -> finishWork(tx, command.get("id").getAsLong(), string(command, "agent"));
            case "renew-work" -> renewWork(tx, command.get("id").getAsLong(), string(command, "agent"),
                    json.decode(command.get("payload"), Bytes.class), command.get("now").getAsLong(),
                    command.get("leaseMillis").getAsLong());
            case "add-key" -> addKey(tx, json.decode(command.get("key"), WrappedKey.class));
            default -> throw new IllegalArgumentException("unknown ABM command '" + string(command, "command") + "'");
        };
        return json.encode(result);
    }

    // The backend

    private JsonElement init(MetadataTransaction tx, String backendId) {
        Optional<Bytes> existing = tx.get(BACKEND);
        if (existing.isPresent()) {
            return new JsonPrimitive(existing.get().utf8());
        }
        if (backendId.isBlank()) {
            throw new IllegalArgumentException("a backend id must not be blank");
        }
        tx.put(BACKEND, Bytes.utf8(backendId));
        return new JsonPrimitive(backendId);
    }

    // OSDs

    private JsonElement claimOsd(MetadataTransaction tx, ClaimedOsd osd) {
        Bytes key = OSDS.concat(Bytes.utf8(osd.longId()));
        Optional<Bytes> existing = tx.get(key);
        if (existing.isPresent()) {
            return json.tree(json.fromRecord(existing.get(), ClaimedOsd.class));
        }
        int number = (int) next(tx, NEXT_OSD);
        ClaimedOsd claimed = new ClaimedOsd(number, osd.longId(), osd.nodeId(), osd.kind(), osd.addresses(),
                osd.port(), ClaimedOsd.State.CLAIMED);
        tx.put(key, json.record(claimed));
        return json.tree(claimed);
    }

    /**
     * Moves an OSD on in its life, never back: claimed to dead or decommissioned, dead to decommissioned. Leaving
     * claimed queues its repair in this transaction, one item per active namespace, so the state and the work it
     * calls for commit together and the work cannot be lost. A dead OSD that is then decommissioned is not repaired
     * twice, and a call that changes nothing (agents that all saw the same death) writes nothing and queues nothing.
     * The result: {@code {"changed": BOOLEAN, "repairsQueued": N, "osd": THE RECORD NOW}}.
     */
    private JsonElement setOsdState(MetadataTransaction tx, String longId, ClaimedOsd.State state) {
        ClaimedOsd osd = osd(tx, longId);
        JsonObject result = new JsonObject();
        int repairs = 0;
        if (osd.state() == state || osd.state() == ClaimedOsd.State.DECOMMISSIONED) {
            result.addProperty("changed", false);
        } else {
            ClaimedOsd changed = osd.withState(state);
            tx.put(OSDS.concat(Bytes.utf8(longId)), json.record(changed));
            if (osd.state() == ClaimedOsd.State.CLAIMED) {
                for (Entry e : all(tx, NAMESPACES)) {
                    JsonObject payload = new JsonObject();
                    payload.addProperty("namespace", json.fromRecord(e.value(), Namespace.class).name());
                    payload.addProperty("osd", osd.number());
                    queueWork(tx, REPAIR_OSD, json.encode(payload));
                    repairs++;
                }
            }
            result.addProperty("changed", true);
            osd = changed;
        }
        result.addProperty("repairsQueued", repairs);
        result.add("osd", json.tree(osd));
        return result;
    }

    private JsonElement purgeOsd(MetadataTransaction tx, String longId) {
        ClaimedOsd osd = osd(tx, longId);
        if (osd.state() == ClaimedOsd.State.CLAIMED) {
            throw new MetadataException("OSD " + longId + " is claimed: decommission it first (osd:decommission),"
                    + " and purge it once its fragments are moved away");
        }
        tx.delete(OSDS.concat(Bytes.utf8(longId)));
        return json.tree(osd);
    }

    private ClaimedOsd osd(MetadataTransaction tx, String longId) {
        return tx.get(OSDS.concat(Bytes.utf8(longId))).map(b -> json.fromRecord(b, ClaimedOsd.class))
                .orElseThrow(() -> new MetadataException("OSD " + longId + " does not belong to this backend"));
    }

    // Presets

    private JsonElement createPreset(MetadataTransaction tx, Preset preset) {
        Preset checked = recheck(preset);
        Bytes key = PRESETS.concat(Bytes.utf8(checked.name()));
        if (tx.get(key).isPresent()) {
            throw new MetadataException("a preset named " + checked.name() + " exists already");
        }
        tx.put(key, json.record(checked));
        if (tx.get(DEFAULT_PRESET).isEmpty()) {
            tx.put(DEFAULT_PRESET, Bytes.utf8(checked.name())); // the first preset is the default until one is set
        }
        return json.tree(checked);
    }

    private JsonElement updatePreset(MetadataTransaction tx, String name, List<Policy> policies, int maxFragmentSize) {
        Preset updated = preset(tx, name).with(policies.stream().map(AbmOperation::recheck).toList(),
                maxFragmentSize);
        tx.put(PRESETS.concat(Bytes.utf8(name)), json.record(updated));
        return json.tree(updated);
    }

    private JsonElement deletePreset(MetadataTransaction tx, String name) {
        preset(tx, name);
        if (tx.get(DEFAULT_PRESET).map(Bytes::utf8).filter(name::equals).isPresent()) {
            throw new MetadataException("preset " + name + " is the default: make another one the default first"
                    + " (preset:default)");
        }
        List<String> users = new ArrayList<>();
        for (Entry e : all(tx, NAMESPACES)) {
            Namespace ns = json.fromRecord(e.value(), Namespace.class);
            if (ns.preset().equals(name)) {
                users.add(ns.name());
            }
        }
        if (!users.isEmpty()) {
            throw new MetadataException("preset " + name + " is used by namespace" + (users.size() > 1 ? "s " : " ")
                    + String.join(", ", users.subList(0, Math.min(5, users.size())))
                    + (users.size() > 5 ? " and " + (users.size() - 5) + " more" : ""));
        }
        tx.delete(PRESETS.concat(Bytes.utf8(name)));
        return JsonNull.INSTANCE;
    }

    private JsonElement setDefaultPreset(MetadataTransaction tx, String name) {
        preset(tx, name);
        tx.put(DEFAULT_PRESET, Bytes.utf8(name));
        return new JsonPrimitive(name);
    }

    private Preset preset(MetadataTransaction tx, String name) {
        return tx.get(PRESETS.concat(Bytes.utf8(name))).map(b -> json.fromRecord(b, Preset.class))
                .orElseThrow(() -> new MetadataException("no preset named " + name));
    }

    /** Gson builds records through their canonical constructors, so the rules ran; this re-runs them explicitly. */
    private static Preset recheck(Preset p) {
        return new Preset(p.name(), p.policies().stream().map(AbmOperation::recheck).toList(), p.maxFragmentSize(),
                p.compressor(), p.cipher(), p.fragmentChecksum(), p.erasureCodec(), p.objectChecksum());
    }

    private static Policy recheck(Policy p) {
        return new Policy(p.k(), p.m(), p.c(), p.x());
    }

    // Namespaces

    private JsonElement createNamespace(MetadataTransaction tx, String name, String presetName) {
        if (name.isEmpty() || name.length() > 255 || name.indexOf('/') >= 0) {
            throw new IllegalArgumentException("a namespace name is 1 to 255 characters without '/'; got '" + name
                    + "'");
        }
        Bytes key = NAMESPACES.concat(Bytes.utf8(name));
        if (tx.get(key).isPresent()) {
            throw new MetadataException("a namespace named " + name + " exists already");
        }
        String preset = presetName != null ? presetName
                : tx.get(DEFAULT_PRESET).map(Bytes::utf8).orElseThrow(() -> new MetadataException(
                        "namespace " + name + ": no preset given and no default preset (preset:create one first)"));
        preset(tx, preset);
        NsmHost host = null;
        for (Entry e : all(tx, NSM_HOSTS)) {
            NsmHost h = json.fromRecord(e.value(), NsmHost.class);
            if (host == null || h.namespaces() < host.namespaces()) {
                host = h; // the least loaded; ties go to the first id
            }
        }
        if (host == null) {
            throw new MetadataException("namespace " + name + ": there is no namespace manager host");
        }
        Namespace ns = new Namespace(name, next(tx, NEXT_NAMESPACE), preset, host.id(), Namespace.State.ACTIVE);
        tx.put(key, json.record(ns));
        tx.put(NSM_HOSTS.concat(Bytes.utf8(host.id())),
                json.record(new NsmHost(host.id(), host.address(), host.namespaces() + 1)));
        return json.tree(ns);
    }

    /** Frees the name at once; the objects are removed by maintenance, which the queued work item asks for. */
    private JsonElement deleteNamespace(MetadataTransaction tx, String name) {
        Bytes key = NAMESPACES.concat(Bytes.utf8(name));
        Namespace ns = tx.get(key).map(b -> json.fromRecord(b, Namespace.class))
                .orElseThrow(() -> NamespaceNotFoundException.of(name));
        Namespace deleting = new Namespace(ns.name(), ns.id(), ns.preset(), ns.nsmHost(), Namespace.State.DELETING);
        tx.delete(key);
        tx.put(DELETING.concat(Bytes.utf8(hex(ns.id()))), json.record(deleting));
        queueWork(tx, "delete-namespace", Bytes.utf8(Long.toString(ns.id())));
        return json.tree(deleting);
    }

    /** What maintenance calls once a deleted namespace's objects are gone: the NSM host carries one less. */
    private JsonElement namespaceDeleted(MetadataTransaction tx, long id) {
        Bytes key = DELETING.concat(Bytes.utf8(hex(id)));
        Optional<Namespace> ns = tx.get(key).map(b -> json.fromRecord(b, Namespace.class));
        if (ns.isPresent()) {
            tx.delete(key);
            Bytes hostKey = NSM_HOSTS.concat(Bytes.utf8(ns.get().nsmHost()));
            tx.get(hostKey).map(b -> json.fromRecord(b, NsmHost.class)).ifPresent(h -> tx.put(hostKey,
                    json.record(new NsmHost(h.id(), h.address(), Math.max(0, h.namespaces() - 1)))));
        }
        return JsonNull.INSTANCE;
    }

    // NSM hosts

    private JsonElement addNsmHost(MetadataTransaction tx, String id, String address) {
        Bytes key = NSM_HOSTS.concat(Bytes.utf8(id));
        Optional<NsmHost> existing = tx.get(key).map(b -> json.fromRecord(b, NsmHost.class));
        if (existing.isPresent()) {
            if (!existing.get().address().equals(address)) {
                throw new MetadataException("NSM host " + id + " exists already at " + existing.get().address());
            }
            return json.tree(existing.get());
        }
        NsmHost host = new NsmHost(id, address, 0);
        tx.put(key, json.record(host));
        return json.tree(host);
    }

    // Maintenance work

    private JsonElement queueWork(MetadataTransaction tx, String kind, Bytes payload) {
        long id = next(tx, NEXT_WORK);
        tx.put(WORK.concat(Bytes.utf8(hex(id))), json.record(new WorkItem(id, kind, payload, "", 0)));
        return new JsonPrimitive(id);
    }

    private JsonElement leaseWork(MetadataTransaction tx, String agent, int max, long now, long leaseMillis) {
        if (agent.isBlank() || max < 1 || leaseMillis < 1) {
            throw new IllegalArgumentException("a lease needs an agent, max >= 1 and leaseMillis >= 1");
        }
        JsonArray leased = new JsonArray();
        Bytes from = WORK;
        while (leased.size() < max) {
            List<Entry> page = tx.range(new KeyRange(from, WORK.prefixEnd()), PAGE, false);
            for (Entry e : page) {
                WorkItem item = json.fromRecord(e.value(), WorkItem.class);
                if (item.leaseHolder().isEmpty() || item.leaseExpiresMillis() <= now) {
                    WorkItem mine = new WorkItem(item.id(), item.kind(), item.payload(), agent, now + leaseMillis);
                    tx.put(e.key(), json.record(mine));
                    leased.add(json.tree(mine));
                    if (leased.size() == max) {
                        break;
                    }
                }
            }
            if (page.size() < PAGE) {
                break;
            }
            from = page.get(page.size() - 1).key().concat(Bytes.of((byte) 0));
        }
        return leased;
    }

    private JsonElement finishWork(MetadataTransaction tx, long id, String agent) {
        held(tx, id, agent);
        tx.delete(WORK.concat(Bytes.utf8(hex(id))));
        return JsonNull.INSTANCE;
    }

    /**
     * A long job's heartbeat: the lease runs on from the agent's now, and the payload becomes its checkpoint. A lease
     * that ran out is renewed too while no other agent has taken the item: its work was not handed on, so no one
     * else is doing it.
     */
    private JsonElement renewWork(MetadataTransaction tx, long id, String agent, Bytes payload, long now,
            long leaseMillis) {
        if (agent.isBlank() || leaseMillis < 1) {
            throw new IllegalArgumentException("a lease needs an agent and leaseMillis >= 1");
        }
        WorkItem item = held(tx, id, agent);
        WorkItem renewed = new WorkItem(id, item.kind(), payload, agent, now + leaseMillis);
        tx.put(WORK.concat(Bytes.utf8(hex(id))), json.record(renewed));
        return json.tree(renewed);
    }

    /** @return the item, which {@code agent} holds the lease of */
    private WorkItem held(MetadataTransaction tx, long id, String agent) {
        WorkItem item = tx.get(WORK.concat(Bytes.utf8(hex(id)))).map(b -> json.fromRecord(b, WorkItem.class))
                .orElseThrow(() -> new MetadataException("no work item " + id + " (finished already?)"));
        if (item.leaseHolder().isEmpty()) {
            throw new MetadataException("work item " + id + " is leased to nobody, not " + agent
                    + ": lease it first (leaseWork)");
        }
        if (!item.leaseHolder().equals(agent)) {
            throw new MetadataException("work item " + id + " is leased to " + item.leaseHolder() + ", not " + agent
                    + ": its lease ran out and it was handed on");
        }
        return item;
    }

    // Data keys

    /**
     * Stores version N of an owner's key if its current version is N - 1. A lower N lost a race (two proxies making
     * a preset's first key, two rotations): nothing is written and the result is the key that won, which the loser
     * then uses. The data key and its wrapping come made in the argument; this only compares and stores.
     */
    private JsonElement addKey(MetadataTransaction tx, WrappedKey given) {
        WrappedKey key = new WrappedKey(given.owner(), given.version(), given.createdMillis(), given.keyLength(),
                given.wrapping(), given.kekId(), given.wrapped());
        Bytes currentKey = CURRENT_KEYS.concat(Bytes.utf8(key.owner()));
        int current = tx.get(currentKey).map(b -> Integer.parseInt(b.utf8())).orElse(0);
        JsonObject result = new JsonObject();
        if (current >= key.version()) {
            result.addProperty("added", false);
            result.add("key", json.tree(storedKey(tx, WrappedKey.id(key.owner(), current))));
            return result;
        }
        if (current != key.version() - 1) {
            throw new MetadataException("key " + key.id() + ": the current version of " + key.owner() + " is "
                    + current + ", so the next one is " + (current + 1) + ", not " + key.version());
        }
        String kek = HexFormat.of().formatHex(key.kekId().toByteArray());
        Optional<String> backendKek = tx.get(KEK).map(Bytes::utf8);
        if (backendKek.isPresent() && !backendKek.get().equals(kek)) {
            throw new MetadataException("key " + key.id() + " is wrapped under KEK " + shortId(kek)
                    + ", but this backend's keys are wrapped under KEK " + shortId(backendKek.get())
                    + ": a proxy with another KEK cannot add keys to this backend");
        }
        Bytes recordKey = KEYS.concat(Bytes.utf8(key.id()));
        if (tx.get(recordKey).isPresent()) {
            throw new MetadataException("a key with the id " + key.id() + " exists already");
        }
        if (backendKek.isEmpty()) {
            tx.put(KEK, Bytes.utf8(kek)); // the first key's KEK is the backend's from now on
        }
        tx.put(recordKey, KeyRecord.encode(key));
        tx.put(currentKey, Bytes.utf8(Integer.toString(key.version())));
        result.addProperty("added", true);
        result.add("key", json.tree(key));
        return result;
    }

    /** @return the first 8 bytes of a KEK id in hex: enough to tell two apart in a message */
    static String shortId(String hex) {
        return hex.length() <= 16 ? hex : hex.substring(0, 16);
    }

    private static WrappedKey storedKey(MetadataTransaction tx, String id) {
        return tx.get(KEYS.concat(Bytes.utf8(id))).map(KeyRecord::decode)
                .orElseThrow(() -> new MetadataException("key " + id + " is current but its record is missing"));
    }

    // Shared

    /** @return the counter's next value, counting from 0, and advances it */
    private static long next(MetadataTransaction tx, Bytes counter) {
        long value = tx.get(counter).map(b -> Long.parseLong(b.utf8())).orElse(0L);
        tx.put(counter, Bytes.utf8(Long.toString(value + 1)));
        return value;
    }

    private static List<Entry> all(MetadataTransaction tx, Bytes prefix) {
        List<Entry> all = new ArrayList<>();
        Bytes from = prefix;
        while (true) {
            List<Entry> page = tx.range(new KeyRange(from, prefix.prefixEnd()), PAGE, false);
            all.addAll(page);
            if (page.size() < PAGE) {
                return all;
            }
            from = page.get(page.size() - 1).key().concat(Bytes.of((byte) 0));
        }
    }

    static String hex(long id) {
        return HexFormat.of().toHexDigits(id);
    }

    private static String string(JsonObject command, String field) {
        JsonElement e = command.get(field);
        if (e == null || !e.isJsonPrimitive()) {
            throw new IllegalArgumentException("the ABM command lacks the string '" + field + "'");
        }
        return e.getAsString();
    }

    private static int integer(JsonObject command, String field) {
        JsonElement e = command.get(field);
        if (e == null || !e.isJsonPrimitive()) {
            throw new IllegalArgumentException("the ABM command lacks the number '" + field + "'");
        }
        return e.getAsInt();
    }
}
