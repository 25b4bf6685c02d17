package io.albireo.asd.protocol;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.albireo.api.Assert;
import io.albireo.api.Bytes;
import io.albireo.api.Entry;
import io.albireo.api.KeyRange;
import io.albireo.api.Update;
import io.albireo.api.osd.DiskUsage;
import io.albireo.api.osd.Osd;
import io.albireo.api.osd.OsdStatistics;

/**
 * Every message of the ASD protocol. A client opens with {@link Hello}; the ASD answers {@link Welcome}, or
 * {@link Refused} and closes. Then the client sends requests, each with an id of its choosing, and the ASD answers each
 * with one response carrying the same id, in any order. Each record's type code is its frame type (docs/ASD-PROTOCOL.md).
 */
public sealed interface Message {

    /** @return the frame type code */
    int type();

    // ---- the handshake ---------------------------------------------------------------------------------------------

    /**
     * The client's first frame.
     *
     * @param version the protocol version the client speaks
     * @param expectedLongId the long id of the ASD the client means to reach, or "" to accept any
     */
    record Hello(int version, String expectedLongId) implements Message {
        /** Validates the fields. */
        public Hello {
            Objects.requireNonNull(expectedLongId, "expectedLongId");
        }

        @Override
        public int type() {
            return FrameCodec.HELLO;
        }
    }

    /**
     * The ASD's answer to a {@link Hello} it accepts.
     *
     * @param version the protocol version of the conversation
     * @param longId the ASD's long id
     * @param nodeId the id of its node
     * @param maxFrame the largest frame, in bytes, the ASD accepts
     */
    record Welcome(int version, String longId, String nodeId, int maxFrame) implements Message {
        @Override
        public int type() {
            return FrameCodec.WELCOME;
        }
    }

    /**
     * The ASD's answer to a {@link Hello} it refuses (a wrong long id, an unknown version); it closes the connection
     * after sending it.
     *
     * @param reason why, in the operator's words
     */
    record Refused(String reason) implements Message {
        @Override
        public int type() {
            return FrameCodec.REFUSED;
        }
    }

    // ---- requests --------------------------------------------------------------------------------------------------

    /** A request: answered by one response with its id. */
    sealed interface Request extends Message {
    }

    /**
     * Reads whole values.
     *
     * @param keys the keys
     * @param once whether the values are read once (repair, scrub), so that the ASD may read them past its page cache:
     *        a GET_ONCE frame, version 2 of the protocol
     */
    record Get(List<Bytes> keys, boolean once) implements Request {
        /** Copies the list. */
        public Get {
            keys = List.copyOf(keys);
        }

        /** A plain GET. */
        public Get(List<Bytes> keys) {
            this(keys, false);
        }

        @Override
        public int type() {
            return once ? FrameCodec.GET_ONCE : FrameCodec.GET;
        }
    }

    /**
     * Reads byte ranges of values.
     *
     * @param slices the ranges
     */
    record GetSlices(List<Osd.Slice> slices) implements Request {
        /** Copies the list. */
        public GetSlices {
            slices = List.copyOf(slices);
        }

        @Override
        public int type() {
            return FrameCodec.GET_SLICES;
        }
    }

    /**
     * Lists keys in order.
     *
     * @param range the keys to list
     * @param limit the most entries to return
     * @param withValues whether to return the values too
     */
    record Range(KeyRange range, int limit, boolean withValues) implements Request {
        @Override
        public int type() {
            return FrameCodec.RANGE;
        }
    }

    /**
     * Applies updates atomically if every assert holds.
     *
     * @param asserts the conditions
     * @param updates the changes
     */
    record Apply(List<Assert> asserts, List<Update> updates) implements Request {
        /** Copies the lists. */
        public Apply {
            asserts = List.copyOf(asserts);
            updates = List.copyOf(updates);
        }

        @Override
        public int type() {
            return FrameCodec.APPLY;
        }
    }

    /** Asks for the disk usage. */
    record GetDiskUsage() implements Request {
        @Override
        public int type() {
            return FrameCodec.DISK_USAGE;
        }
    }

    /** Asks for the statistics. */
    record GetStatistics() implements Request {
        @Override
        public int type() {
            return FrameCodec.STATISTICS;
        }
    }

    // ---- responses -------------------------------------------------------------------------------------------------

    /** A response to the request with the same id. */
    sealed interface Response extends Message {
    }

    /**
     * The values of a {@link Get} or {@link GetSlices}, one per key or slice, empty where absent.
     *
     * @param values the values, in request order
     */
    record Values(List<Optional<ByteBuffer>> values) implements Response {
        /** Copies the list. */
        public Values {
            values = List.copyOf(values);
        }

        @Override
        public int type() {
            return FrameCodec.VALUES;
        }
    }

    /**
     * A page of a {@link Range}.
     *
     * @param entries the entries, in key order; values are null unless asked for
     * @param more whether entries past the last remain in the range
     */
    record Entries(List<Entry> entries, boolean more) implements Response {
        /** Copies the list. */
        public Entries {
            entries = List.copyOf(entries);
        }

        @Override
        public int type() {
            return FrameCodec.ENTRIES;
        }
    }

    /** An {@link Apply} is durable. */
    record Applied() implements Response {
        @Override
        public int type() {
            return FrameCodec.APPLIED;
        }
    }

    /**
     * An {@link Apply} was refused because an assert did not hold; nothing changed.
     *
     * @param index the position of the failed assert
     * @param key its key
     */
    record AssertFailed(int index, Bytes key) implements Response {
        @Override
        public int type() {
            return FrameCodec.ASSERT_FAILED;
        }
    }

    /**
     * The answer to {@link GetDiskUsage}.
     *
     * @param usage the disk usage
     */
    record Usage(DiskUsage usage) implements Response {
        @Override
        public int type() {
            return FrameCodec.USAGE;
        }
    }

    /**
     * The answer to {@link GetStatistics}.
     *
     * @param statistics the statistics
     */
    record Statistics(OsdStatistics statistics) implements Response {
        @Override
        public int type() {
            return FrameCodec.STATS;
        }
    }

    /**
     * A request failed.
     *
     * @param kind what kind of failure
     * @param message what happened, in the operator's words
     */
    record Failure(Kind kind, String message) implements Response {
        @Override
        public int type() {
            return FrameCodec.FAILURE;
        }

        /** The kinds of failure, with their codes on the wire. */
        public enum Kind {
            /** The ASD is full: it accepts only applies that free space. */
            FULL(1),
            /** The request was well-formed but not valid (a bad range, a key too long). */
            BAD_REQUEST(2),
            /** The ASD could not serve it now (its disk failed, it is stopping). */
            UNAVAILABLE(3),
            /** What the ASD holds for the request failed its checksum: it returns no such bytes. */
            CORRUPT(4);

            final int code;

            Kind(int code) {
                this.code = code;
            }

            static Kind of(int code) {
                for (Kind k : values()) {
                    if (k.code == code) {
                        return k;
                    }
                }
                return null;
            }
        }
    }
}
