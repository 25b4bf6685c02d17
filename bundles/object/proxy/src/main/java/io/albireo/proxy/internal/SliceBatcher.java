package io.albireo.proxy.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import io.albireo.api.osd.Osd;

/**
 * Gathers the slices one read call wants from each OSD into one getSlices per OSD. Until {@link #flush} the slices
 * wait; after it (a range reader asking for more, having lost a fragment) each is sent at once.
 */
final class SliceBatcher {
    private record Request(Osd.Slice slice, CompletableFuture<Optional<ByteBuffer>> result) {
    }

    private final Map<Osd, List<Request>> pending = new LinkedHashMap<>();
    private boolean flushed;

    CompletableFuture<Optional<ByteBuffer>> read(Osd osd, Osd.Slice slice) {
        Request r = new Request(slice, new CompletableFuture<>());
        synchronized (this) {
            if (!flushed) {
                pending.computeIfAbsent(osd, o -> new ArrayList<>()).add(r);
                return r.result();
            }
        }
        send(osd, List.of(r));
        return r.result();
    }

    void flush() {
        Map<Osd, List<Request>> batches;
        synchronized (this) {
            flushed = true;
            batches = new LinkedHashMap<>(pending);
            pending.clear();
        }
        batches.forEach(SliceBatcher::send);
    }

    private static void send(Osd osd, List<Request> requests) {
        CompletableFuture<List<Optional<ByteBuffer>>> f;
        try {
            f = osd.getSlices(requests.stream().map(Request::slice).toList());
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((values, e) -> {
            for (int i = 0; i < requests.size(); i++) {
                if (e != null) {
                    requests.get(i).result().completeExceptionally(e);
                } else {
                    requests.get(i).result().complete(values.get(i));
                }
            }
        });
    }
}
