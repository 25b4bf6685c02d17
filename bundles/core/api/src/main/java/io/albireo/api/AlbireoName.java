package io.albireo.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * The name under which an Albireo service is found: an algorithm ("crc32c", "zstd", "rs"), an OSD's long id, a
 * metadata operation. Put it on a DS component and the service gets the property {@value #PROPERTY}.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface AlbireoName {
    /** The service property this annotation sets. */
    String PROPERTY = "albireo.name";

    /** @return the name, unique among the services of one type */
    String value();
}
