package io.albireo.asd.protocol;

import java.util.concurrent.CompletableFuture;

/**
 * An ASD running in this JVM, published as a service with its long id as {@code albireo.name}, so that the ASD driver
 * of the same appliance hands it requests without a socket: the same {@link Message}s, answered as a connection would
 * answer them. On the proxy's puts, the loopback TCP connections to the appliance's own ASDs (two copies of every
 * fragment through the kernel, and a thread hand-off at each end) cost about a fifth of the CPU
 * (docs/PERFORMANCE.md).
 *
 * <p>The caller checks requests against the protocol's {@link Limits} as it would before sending them. Values in a
 * request are read, never changed, and are not used after the answer; values in an answer are the caller's.
 */
public interface AsdEndpoint {

    /** @return the long id of the ASD's disk */
    String longId();

    /**
     * Serves a request.
     *
     * @return the response; it may complete on one of the ASD's own threads (its committer, its read pool), so a
     *         continuation must not block or do heavy work there
     */
    CompletableFuture<Message.Response> handle(Message.Request request);
}
