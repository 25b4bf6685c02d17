package io.albireo.object.layout;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/** Where a chunk's fragment bytes come from (the proxy: its OSDs, through its fragment cache). */
@FunctionalInterface
public interface FragmentSource {

    /**
     * @param fragment the fragment's index: 0 to k - 1 data, k to k + m - 1 parity
     * @param offset the first byte wanted, within the fragment
     * @param length how many bytes
     * @return bytes [offset, offset + length) of fragment {@code fragment} of the chunk, from position to limit;
     *         completes exceptionally if it cannot. The reader does not write to them.
     */
    CompletableFuture<ByteBuffer> read(int fragment, long offset, int length);
}
