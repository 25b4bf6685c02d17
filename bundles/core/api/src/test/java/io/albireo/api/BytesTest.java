package io.albireo.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

class BytesTest {

    @Test
    void ordersAsUnsignedBytes() {
        List<Bytes> keys = new ArrayList<>(List.of(Bytes.of((byte) 0xff), Bytes.of((byte) 0x01), Bytes.EMPTY,
                Bytes.of((byte) 0x01, (byte) 0x00), Bytes.of((byte) 0x80)));
        Collections.sort(keys);
        assertEquals(List.of(Bytes.EMPTY, Bytes.of((byte) 0x01), Bytes.of((byte) 0x01, (byte) 0x00),
                Bytes.of((byte) 0x80), Bytes.of((byte) 0xff)), keys);
    }

    @Test
    void copiesOnTheWayInAndOut() {
        byte[] source = {1, 2, 3};
        Bytes bytes = Bytes.of(source);
        source[0] = 9;
        assertEquals(1, bytes.byteAt(0));
        bytes.toByteArray()[1] = 9;
        assertEquals(2, bytes.byteAt(1));
        assertThrows(java.nio.ReadOnlyBufferException.class, () -> bytes.asReadOnlyBuffer().put((byte) 0));
    }

    @Test
    void prefixEndBoundsEveryExtensionOfThePrefix() {
        Bytes prefix = Bytes.of((byte) 'a', (byte) 0xff);
        Bytes end = prefix.prefixEnd();
        assertEquals(Bytes.of((byte) 'b'), end);
        KeyRange range = KeyRange.prefix(prefix);
        assertTrue(range.contains(prefix));
        assertTrue(range.contains(prefix.concat(Bytes.of((byte) 0xff, (byte) 0xff))));
        assertFalse(range.contains(Bytes.of((byte) 'b')));
        assertFalse(range.contains(Bytes.of((byte) 'a')));
        assertNull(Bytes.of((byte) 0xff, (byte) 0xff).prefixEnd());
    }

    @Test
    void copyOfLeavesTheBufferAlone() {
        ByteBuffer buffer = ByteBuffer.wrap(new byte[] {5, 6, 7, 8});
        buffer.position(1).limit(3);
        Bytes copy = Bytes.copyOf(buffer);
        assertArrayEquals(new byte[] {6, 7}, copy.toByteArray());
        assertEquals(1, buffer.position());
        assertEquals(3, buffer.limit());
    }

    @Test
    void equalityAndHashFollowContent() {
        assertEquals(Bytes.utf8("key"), Bytes.of((byte) 'k', (byte) 'e', (byte) 'y'));
        assertEquals(Bytes.utf8("key").hashCode(), Bytes.of((byte) 'k', (byte) 'e', (byte) 'y').hashCode());
        assertTrue(Bytes.utf8("key/1").startsWith(Bytes.utf8("key/")));
        assertEquals("key", Bytes.utf8("key").utf8());
    }

    @Test
    void rangeRefusesAnEndBeforeItsStart() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new KeyRange(Bytes.utf8("b"), Bytes.utf8("a")));
        assertTrue(e.getMessage().contains("before its start"), e.getMessage());
    }
}
