package io.albireo.osd.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;

class OsdsTest {

    @Test
    void longIdsAreEscapedForTheServiceFilter() throws Exception {
        String awkward = "a*(b)\\c";
        assertEquals("a\\*\\(b\\)\\\\c", Osds.escape(awkward));
        Filter filter = FrameworkUtil.createFilter("(albireo.name=" + Osds.escape(awkward) + ")");
        assertTrue(filter.matches(Map.of("albireo.name", awkward)));
        assertFalse(filter.matches(Map.of("albireo.name", "a")), "a * in a long id is not a wildcard");
    }
}
