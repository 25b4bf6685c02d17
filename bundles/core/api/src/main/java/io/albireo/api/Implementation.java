package io.albireo.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Which implementation of a named algorithm a service is ("java", "isal"), for algorithms that more than one bundle
 * provides. Consumers that do not care take the one with the highest {@code service.ranking}. Sets the service
 * property {@value #PROPERTY}.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Implementation {
    /** DS prefixes the derived property name with this. */
    String PREFIX_ = "albireo.";

    /** The service property this annotation sets. */
    String PROPERTY = "albireo.implementation";

    /** @return the implementation's short name */
    String value();
}
