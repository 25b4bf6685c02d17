package io.albireo.console.support;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.parsing.CommandLineImpl;

/**
 * What the completer tests stand on: Karaf's own CommandLine, as the console parses a line with the cursor at its end,
 * and interfaces that answer only the calls a test names (any other call fails the test, so a completer that touches
 * the session or more of a service than its listing shows up).
 */
final class StandIns {

    private StandIns() {
    }

    /** @return the line as the console hands it to a completer, the cursor at its end */
    static CommandLine line(String buffer) {
        String[] arguments = buffer.split(" ", -1);
        int last = arguments.length - 1;
        return new CommandLineImpl(arguments, last, arguments[last].length(), buffer.length(), buffer);
    }

    /** @return the candidates the completer offers for the line, without the space StringsCompleter appends */
    static List<String> complete(Completer completer, String buffer) {
        List<String> candidates = new ArrayList<>();
        int at = completer.complete(stub(Session.class, Map.of()), line(buffer), candidates);
        if (candidates.isEmpty() && at != -1) {
            throw new AssertionError("no candidates, yet the completer answered " + at + " rather than -1");
        }
        return candidates.stream().map(String::strip).toList();
    }

    /** @return an implementation of {@code type} that answers the named methods and refuses the rest */
    static <T> T stub(Class<T> type, Map<String, Function<Object[], Object>> answers) {
        return type.cast(Proxy.newProxyInstance(StandIns.class.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> {
                    Function<Object[], Object> answer = answers.get(method.getName());
                    if (answer != null) {
                        return answer.apply(args);
                    }
                    if (method.getName().equals("toString")) {
                        return type.getSimpleName() + " stand-in";
                    }
                    throw new UnsupportedOperationException(type.getSimpleName() + "." + method.getName()
                            + " is not part of this test");
                }));
    }
}
