package io.albireo.console.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.support.CommandException;
import org.junit.jupiter.api.Test;

class TrailingOptionsTest {

    static class Action {
        @Option(name = "--k")
        int k = 8;
        @Option(name = "--seconds")
        double seconds = 3;
        @Option(name = "--level")
        Integer level;
        @Option(name = "--impl")
        String implementation;
        @Option(name = "--json", aliases = "-j")
        boolean json;
    }

    @Test
    void setsTheSameFieldsKarafWould() throws Exception {
        Action a = new Action();
        TrailingOptions.apply(a, List.of("--k", "4", "--seconds=0.5", "--impl", "isal", "-j", "--level", "9"));
        assertEquals(4, a.k);
        assertEquals(0.5, a.seconds);
        assertEquals("isal", a.implementation);
        assertEquals(9, a.level);
        assertTrue(a.json);
        TrailingOptions.apply(a, null);
        assertEquals(4, a.k);
    }

    @Test
    void refusesWhatItCannotApplyWithAClearMessage() {
        assertEquals("undefined option --z: try --help", assertThrows(CommandException.class,
                () -> TrailingOptions.apply(new Action(), List.of("--z", "1"))).getMessage());
        assertEquals("option --k needs a number; got 'four'", assertThrows(CommandException.class,
                () -> TrailingOptions.apply(new Action(), List.of("--k", "four"))).getMessage());
        assertEquals("missing value for option --impl", assertThrows(CommandException.class,
                () -> TrailingOptions.apply(new Action(), List.of("--impl"))).getMessage());
        assertEquals("unexpected argument 'extra': try --help", assertThrows(CommandException.class,
                () -> TrailingOptions.apply(new Action(), List.of("extra"))).getMessage());
    }
}
