package dev.switchboard.routing;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The facts a built rule may match on and their fields, read from the fact classes themselves (their getters, as
 * Drools reads them), so a field added to a fact is offered without touching the builder.
 */
public final class RuleFacts {
    /** The facts a request is evaluated with, by the name a rule uses. */
    private static final Map<String, Class<?>> FACTS = Map.of(
            "LlmRequest", LlmRequest.class,
            "ProviderStatus", ProviderStatus.class,
            "ModelStats", ModelStats.class);

    private RuleFacts() {
    }

    /** What a field holds, for which operators and values it takes. */
    public enum Type { TEXT, WHOLE_NUMBER, NUMBER, BOOLEAN, TEXT_SET }

    /** The fact names, sorted. */
    public static Set<String> facts() {
        return new java.util.TreeSet<>(FACTS.keySet());
    }

    /** The fact's class, if the builder offers it. */
    public static Optional<Class<?>> fact(String name) {
        return Optional.ofNullable(FACTS.get(name));
    }

    /** The fields of a fact rules may match on, by name, sorted; fields of other types (maps) are left out. */
    public static Map<String, Type> fields(Class<?> fact) {
        Map<String, Type> fields = new TreeMap<>();
        for (Method m : fact.getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() != fact) {
                continue;
            }
            String name = propertyName(m);
            Type type = type(m.getReturnType());
            if (name != null && type != null) {
                fields.put(name, type);
            }
        }
        return fields;
    }

    /** {@code getTaskType} → {@code taskType}, {@code isStream} → {@code stream}; else null. */
    private static String propertyName(Method m) {
        String n = m.getName();
        int prefix = n.startsWith("get") ? 3 : n.startsWith("is") && m.getReturnType() == boolean.class ? 2 : 0;
        if (prefix == 0 || n.length() == prefix) {
            return null;
        }
        return Character.toLowerCase(n.charAt(prefix)) + n.substring(prefix + 1);
    }

    private static Type type(Class<?> c) {
        if (c == String.class) {
            return Type.TEXT;
        }
        if (c == int.class || c == long.class) {
            return Type.WHOLE_NUMBER;
        }
        if (c == double.class || c == float.class) {
            return Type.NUMBER;
        }
        if (c == boolean.class) {
            return Type.BOOLEAN;
        }
        return Collection.class.isAssignableFrom(c) ? Type.TEXT_SET : null;
    }
}
