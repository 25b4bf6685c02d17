package io.albireo.itests;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * A bundle that breaks the appliance on purpose: one DS component whose mandatory reference to an
 * {@code io.albireo.api.osd.Osd} named "missing" nothing satisfies. It stands for any Albireo component whose dependency
 * is gone, so the tests can check how {@code albireo:status} reports a fault. Its component never activates, so its
 * implementation class is never loaded.
 */
final class FaultyBundle {
    static final String SYMBOLIC_NAME = "io.albireo.itests.faulty";
    static final String COMPONENT = "io.albireo.itests.faulty.WantsAnOsd";
    static final String MISSING = "io.albireo.api.osd.Osd (albireo.name=missing)";

    private FaultyBundle() {
    }

    static InputStream jar() throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", SYMBOLIC_NAME);
        main.putValue("Bundle-Version", "1.0.0");
        main.putValue("Service-Component", "OSGI-INF/component.xml");
        String component = """
                <?xml version="1.0" encoding="UTF-8"?>
                <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.3.0" name="%s">
                  <implementation class="%s"/>
                  <reference name="osd" interface="io.albireo.api.osd.Osd" cardinality="1..1"
                             target="(albireo.name=missing)"/>
                </scr:component>
                """.formatted(COMPONENT, COMPONENT);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes, manifest)) {
            jar.putNextEntry(new JarEntry("OSGI-INF/component.xml"));
            jar.write(component.getBytes(StandardCharsets.UTF_8));
            jar.closeEntry();
        }
        return new ByteArrayInputStream(bytes.toByteArray());
    }
}
