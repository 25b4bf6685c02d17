package io.albireo.object.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The argument handling of proxy:bench: sizes and modes, refused with a message the operator can act on. */
class ObjectBenchTest {

    @Test
    void sizesParse() {
        assertEquals(4096, ObjectBench.parseSize("4096"));
        assertEquals(4096, ObjectBench.parseSize("4KiB"));
        assertEquals(4096, ObjectBench.parseSize("4k"));
        assertEquals(64 << 20, ObjectBench.parseSize("64MiB"));
        assertEquals(1 << 30, ObjectBench.parseSize("1g"));
        assertEquals("64 MiB", ObjectBench.size(64 << 20));
        assertEquals("4 KiB", ObjectBench.size(4096));
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ObjectBench.parseSize("lots"));
        assertThrows(IllegalArgumentException.class, () -> ObjectBench.parseSize("0"));
        assertThrows(IllegalArgumentException.class, () -> ObjectBench.parseSize("4g"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ObjectBench.Mode.parse("delete"));
        assertEquals("unknown mode 'delete': put, get or partial", e.getMessage());
        assertEquals(ObjectBench.Mode.PARTIAL, ObjectBench.Mode.parse("Partial"));
        assertThrows(IllegalArgumentException.class, () -> ObjectBench.run(null, ObjectBench.Mode.PARTIAL, 100, 1,
                0, 1, null, null));
        assertEquals("--warmup must not be negative", assertThrows(IllegalArgumentException.class,
                () -> ObjectBench.run(null, ObjectBench.Mode.GET, 100, 1, -1, 1, null, null)).getMessage());
    }
}
