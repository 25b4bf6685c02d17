package io.albireo.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class AssertTest {

    @Test
    void valueAssertHoldsOnlyForThatValue() {
        Assert a = Assert.value(Bytes.utf8("k"), Bytes.utf8("v1"));
        assertTrue(a.holdsFor(ByteBuffer.wrap("v1".getBytes())));
        assertFalse(a.holdsFor(ByteBuffer.wrap("v2".getBytes())));
        assertFalse(a.holdsFor(null));
    }

    @Test
    void absentAssertHoldsOnlyForAbsence() {
        Assert a = Assert.absent(Bytes.utf8("k"));
        assertTrue(a.requiresAbsent());
        assertTrue(a.holdsFor(null));
        assertFalse(a.holdsFor(ByteBuffer.allocate(0)));
    }

    @Test
    void updatesHandOutIndependentViews() {
        Update u = Update.set(Bytes.utf8("k"), ByteBuffer.wrap(new byte[] {1, 2, 3}));
        u.value().get();
        assertEquals(3, u.value().remaining());
        assertEquals(3, u.length());
        assertTrue(Update.delete(Bytes.utf8("k")).isDelete());
        assertEquals(0, Update.delete(Bytes.utf8("k")).length());
    }
}
