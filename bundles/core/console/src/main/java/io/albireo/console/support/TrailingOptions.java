package io.albireo.console.support;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.List;

import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.support.CommandException;

/**
 * Applies options written after a command's arguments. Karaf parses options only before the first argument
 * ({@code codec:bench --impl isal rs}); operators also write them after ({@code codec:bench rs --impl isal}), so a
 * command collects the tokens after its arguments and hands them here, to set the same {@link Option} fields.
 */
public final class TrailingOptions {

    private TrailingOptions() {
    }

    public static void apply(Object action, List<String> tokens) throws CommandException {
        if (tokens == null) {
            return;
        }
        for (int i = 0; i < tokens.size(); i++) {
            String token = tokens.get(i);
            if (!token.startsWith("-")) {
                throw new CommandException("unexpected argument '" + token + "': try --help");
            }
            int equals = token.indexOf('=');
            String name = equals < 0 ? token : token.substring(0, equals);
            Field field = field(action.getClass(), name);
            String value;
            if (field.getType() == boolean.class || field.getType() == Boolean.class) {
                value = equals < 0 ? "true" : token.substring(equals + 1);
            } else if (equals >= 0) {
                value = token.substring(equals + 1);
            } else if (i + 1 < tokens.size()) {
                value = tokens.get(++i);
            } else {
                throw new CommandException("missing value for option " + name);
            }
            set(action, field, name, value);
        }
    }

    private static Field field(Class<?> type, String name) throws CommandException {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                Option option = f.getAnnotation(Option.class);
                if (option != null && (option.name().equals(name) || Arrays.asList(option.aliases()).contains(name))) {
                    return f;
                }
            }
        }
        throw new CommandException("undefined option " + name + ": try --help");
    }

    private static void set(Object action, Field field, String name, String value) throws CommandException {
        Class<?> type = field.getType();
        try {
            Object converted;
            if (type == int.class || type == Integer.class) {
                converted = Integer.valueOf(value);
            } else if (type == long.class || type == Long.class) {
                converted = Long.valueOf(value);
            } else if (type == double.class || type == Double.class) {
                converted = Double.valueOf(value);
            } else if (type == boolean.class || type == Boolean.class) {
                converted = Boolean.valueOf(value);
            } else if (type == String.class) {
                converted = value;
            } else {
                throw new CommandException("option " + name + " must come before the arguments");
            }
            field.setAccessible(true);
            field.set(action, converted);
        } catch (NumberFormatException e) {
            throw new CommandException("option " + name + " needs a number; got '" + value + "'");
        } catch (IllegalAccessException e) {
            throw new CommandException("option " + name + " cannot be set: " + e.getMessage());
        }
    }
}
