package dev.switchboard.routing;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The check every rule file passes before Drools compiles it. Drools 10 has no sandbox of its own (and Java's
 * SecurityManager is deprecated for removal), so a rule's Java or MVEL code could reach anything the gateway can:
 * its keys, files, processes. The check reads the DRL source text (comments and string literals set aside, so
 * they may say anything) and refuses, with file:line, whatever is not on the short list of what rules are for:
 * the facts ({@link LlmRequest}, {@link ProviderStatus}, {@link FailedAttempt}), the global {@code decision}, plain
 * values (strings, numbers, booleans, {@code List}/{@code Map}/{@code Set}) and {@code Math}.
 *
 * <p>It errs on the refusing side: imports come from an allow-list; names that reach the operating system,
 * reflection, threads, files or the network are refused wherever they appear, and so are fully-qualified class
 * names; loops, functions, local or anonymous classes and lambdas are refused, so every action is straight-line
 * code that ends (the evaluation guard in {@link RulesHolder} cuts off what still runs too long); regular
 * expressions and text multipliers ({@code repeat}, {@code format}) are refused because a caller's header could
 * make them run for minutes; {@code new} makes only exceptions. Source that the check cannot read the way the
 * Java and MVEL compilers do ({@code \\u} escapes, non-ASCII code, unterminated strings or comments) is refused.
 */
final class RuleSandbox {
    /** What a refusal tells the business user they may use instead. */
    static final String ALLOWED = "rules may use only the facts LlmRequest, ProviderStatus and FailedAttempt, the global decision, "
            + "plain values (strings, numbers, booleans, List/Map/Set) and Math (see rules/README.md)";
    /** More errors than this per file say nothing new. */
    private static final int MAX_ERRORS_PER_FILE = 20;

    private static final String ROUTING = "dev.switchboard.routing.";
    private static final Set<String> ALLOWED_IMPORTS = Set.of(
            ROUTING + "LlmRequest", ROUTING + "ProviderStatus", ROUTING + "FailedAttempt", ROUTING + "Decision",
            "java.util.List", "java.util.Map", "java.util.Set", "java.util.Collection", "java.lang.Math");
    private static final Set<String> DECISION_TYPES = Set.of(ROUTING + "Decision", "Decision");
    private static final String DECISION_GLOBAL = "decision";

    private static final String OS = "reaches the operating system, the environment or the JVM";
    private static final String REFLECTION = "is reflection: it could reach any part of the gateway";
    private static final String THREADS = "uses threads or waits";
    private static final String IO = "reaches files or the network";
    private static final String ENDLESS = "could run without end: a rule's action is straight-line code (no loops, functions, "
            + "classes or lambdas)";
    private static final String ENGINE = "changes the rule engine's facts, queries or schedule: a rule acts only through decision";
    private static final String SLOW = "could run for minutes on a caller's text (regular expressions, repeated text): "
            + "compare with ==, in, contains, str[startsWith] or str[endsWith]";
    private static final String SELF = "refers to the engine's own objects: name a fact's fields instead "
            + "(LlmRequest(tags contains \"vip\"))";
    private static final String QUALIFIED = "is part of a fully-qualified class name: use the imported short name";

    /** Identifiers refused wherever they appear outside comments and strings, each with why. */
    private static final Map<String, String> DENIED = denied();

    /** The top-level packages of the JDK and of every jar the gateway ships (all class names start with one). */
    private static final Set<String> PACKAGE_ROOTS = Set.of(
            "java", "javax", "jdk", "sun", "com", "org", "io", "net", "kotlin", "jakarta", "de", "dev");
    /**
     * The classes whose static members ({@code Math.min}, {@code List.of}, {@code Integer.MAX_VALUE}) rules may use:
     * whatever else the compilers import by themselves stays out of reach.
     */
    private static final Set<String> STATIC_TYPES = Set.of("LlmRequest", "ProviderStatus", "FailedAttempt", "Decision", "Verdict",
            "List", "Map", "Set", "Collection", "Math", "String", "Integer", "Long", "Double", "Float", "Short", "Byte", "Boolean",
            "Character");
    /**
     * Names that may be followed by {@code (} without a receiver: statements, DRL's conditional elements and
     * operators, accumulate functions. Any other bare call would reach a function, an engine macro or a method
     * Drools generates for the rule itself (its consequence, which could then call itself without end).
     */
    private static final Set<String> BARE_CALLS = Set.of("if", "switch", "catch", "return", "throw", "assert", "not", "exists",
            "forall", "accumulate", "collect", "and", "or", "in", "init", "action", "reverse", "result", "count", "sum", "min", "max",
            "average", "collectList", "collectSet", "salience", "enabled", "contains", "memberOf", "excludes");
    /** Drools names what it generates for a rule with a double underscore ({@code $r__Handle__}). */
    private static final String GENERATED_NAME_MARK = "__";
    /** A class name, by Java's convention (a package or member name is lower-case). */
    private static final Pattern CAPITALISED = Pattern.compile("[A-Z].*");

    private RuleSandbox() {
    }

    private static Map<String, String> denied() {
        Map<String, String> m = new java.util.HashMap<>();
        for (String s : List.of("Runtime", "System", "Process", "ProcessBuilder", "ProcessHandle", "SecurityManager", "exec", "getRuntime",
                "exit", "halt", "getenv", "getProperty", "getProperties", "setProperty", "getInteger", "getLong", "getBoolean", "load",
                "loadLibrary")) {
            m.put(s, OS);
        }
        for (String s : List.of("Class", "ClassLoader", "class", "getClass", "forName", "loadClass", "defineClass", "getClassLoader",
                "getContextClassLoader", "getMethod", "getMethods", "getDeclaredMethod", "getDeclaredMethods", "getField", "getFields",
                "getDeclaredField", "getDeclaredFields", "getConstructor", "getConstructors", "getDeclaredConstructor",
                "getDeclaredConstructors", "newInstance", "setAccessible", "invoke", "invokeExact", "invokeWithArguments", "MethodHandles",
                "MethodHandle", "lookup", "reflect", "Array", "Proxy", "getDeclaringClass", "getSuperclass", "getInterfaces",
                "getComponentType", "getEnclosingClass", "getModule", "getProtectionDomain", "getResource", "getResourceAsStream", "Module",
                "ModuleLayer", "Package", "ClassValue", "StackWalker", "Unsafe", "Compiler")) {
            m.put(s, REFLECTION);
        }
        for (String s : List.of("Thread", "ThreadGroup", "ThreadLocal", "InheritableThreadLocal", "Runnable", "sleep", "wait", "notify",
                "notifyAll", "synchronized", "volatile")) {
            m.put(s, THREADS);
        }
        for (String s : List.of("File", "Files", "Path", "Paths", "FileInputStream", "FileOutputStream", "FileReader", "FileWriter",
                "RandomAccessFile", "Socket", "ServerSocket", "DatagramSocket", "URL", "URI", "HttpClient", "InetAddress")) {
            m.put(s, IO);
        }
        for (String s : List.of("while", "for", "do", "foreach", "until", "function", "def", "interface", "enum", "record", "goto")) {
            m.put(s, ENDLESS);
        }
        for (String s : List.of("this", "super")) {
            m.put(s, SELF);
        }
        for (String s : List.of("drools", "kcontext", "insert", "insertLogical", "modify", "update", "retract", "delete", "declare",
                "eval", "query", "timer", "calendars", "duration", "window", "entry", "unit")) {
            m.put(s, ENGINE);
        }
        for (String s : List.of("matches", "soundslike", "replaceAll", "replaceFirst", "split", "Pattern", "repeat", "indent", "format",
                "formatted", "iterate", "generate")) {
            m.put(s, SLOW);
        }
        return Map.copyOf(m);
    }

    private enum Kind { IDENT, SYMBOL, LITERAL }

    private record Token(Kind kind, String text, int line) {
        boolean is(String s) {
            return kind != Kind.LITERAL && text.equals(s);
        }
    }

    /** The refusals for one file, empty when it may be compiled; {@code file} is how errors name it. */
    static List<RuleError> check(String file, String source) {
        Set<String> errors = new LinkedHashSet<>();
        List<RuleError> found = new ArrayList<>();
        Reporter report = (line, message) -> {
            if (found.size() < MAX_ERRORS_PER_FILE && errors.add(line + ":" + message)) {
                found.add(new RuleError(file, line, message + "; " + ALLOWED));
            }
        };
        List<Token> tokens = tokens(source, report);
        if (found.isEmpty()) {
            checkTokens(tokens, report);
        }
        return List.copyOf(found);
    }

    @FunctionalInterface
    private interface Reporter {
        void refuse(int line, String message);
    }

    private static void checkTokens(List<Token> tokens, Reporter report) {
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.is("import")) {
                i = checkImport(tokens, i, report);
            } else if (t.is("global")) {
                i = checkGlobal(tokens, i, report);
            } else if (t.is("new")) {
                checkNew(tokens, i, report);
            } else if (t.is("->") || t.is("::")) {
                report.refuse(t.line(), "'" + t.text() + "' (a lambda or method reference) " + ENDLESS);
            } else if (t.is("~")) {
                report.refuse(t.line(), "'~' (MVEL's ~= regular expression match) " + SLOW);
            } else if (t.kind() == Kind.IDENT) {
                checkName(tokens, i, report);
            }
        }
    }

    private static void checkName(List<Token> tokens, int i, Reporter report) {
        Token t = tokens.get(i);
        String why = DENIED.get(t.text());
        if (why != null) {
            report.refuse(t.line(), "'" + t.text() + "' is not allowed: it " + why);
        } else if (t.text().contains(GENERATED_NAME_MARK)) {
            report.refuse(t.line(), "'" + t.text() + "' is not allowed: it is a name Drools generates (a fact handle) and reaches the engine");
        } else if (PACKAGE_ROOTS.contains(t.text()) || startsQualifiedName(tokens, i)) {
            report.refuse(t.line(), "'" + t.text() + "' " + QUALIFIED);
        } else if (isBareCall(tokens, i) && !BARE_CALLS.contains(t.text())) {
            report.refuse(t.line(), "'" + t.text() + "(...)' is not allowed: rules call methods only on a value or fact "
                    + "(decision.route(...), $r.getModel())");
        } else if (isStaticAccess(tokens, i) && !STATIC_TYPES.contains(t.text())) {
            report.refuse(t.line(), "'" + t.text() + ".' is not allowed: rules may use static members of only "
                    + new java.util.TreeSet<>(STATIC_TYPES));
        }
    }

    /** {@code name(}: a lower-case name called without a receiver (not after a dot, {@code new} or an annotation's {@code @}). */
    private static boolean isBareCall(List<Token> tokens, int i) {
        Token before = i > 0 ? tokens.get(i - 1) : null;
        return !CAPITALISED.matcher(tokens.get(i).text()).matches() && i + 1 < tokens.size() && tokens.get(i + 1).is("(")
                && (before == null || !(before.is(".") || before.is("new") || before.is("@")));
    }

    /** {@code Type.member}: a capitalised name, not itself after a dot, followed by a dot and a name. */
    private static boolean isStaticAccess(List<Token> tokens, int i) {
        return CAPITALISED.matcher(tokens.get(i).text()).matches() && (i == 0 || !tokens.get(i - 1).is("."))
                && i + 2 < tokens.size() && tokens.get(i + 1).is(".") && tokens.get(i + 2).kind() == Kind.IDENT;
    }

    /** {@code pkg.sub.Type}: a lower-case name, not itself after a dot, whose dotted chain reaches a capitalised name. */
    private static boolean startsQualifiedName(List<Token> tokens, int i) {
        String first = tokens.get(i).text();
        if (first.startsWith("$") || CAPITALISED.matcher(first).matches() || (i > 0 && tokens.get(i - 1).is("."))) {
            return false;
        }
        for (int j = i + 1; j + 1 < tokens.size() && tokens.get(j).is(".") && tokens.get(j + 1).kind() == Kind.IDENT; j += 2) {
            if (CAPITALISED.matcher(tokens.get(j + 1).text()).matches()) {
                return true;
            }
        }
        return false;
    }

    /** {@code import a.b.C}: only the allow-list (no static, function, accumulate or wildcard imports). */
    private static int checkImport(List<Token> tokens, int at, Reporter report) {
        StringBuilder name = new StringBuilder();
        int next = qualifiedName(tokens, at + 1, name);
        if (next + 1 < tokens.size() && tokens.get(next).is(".") && tokens.get(next + 1).is("*")) {
            name.append(".*");
            next += 2;
        }
        if (!ALLOWED_IMPORTS.contains(name.toString())) {
            report.refuse(tokens.get(at).line(), "'import " + name + "' is not allowed: rules may import only "
                    + new java.util.TreeSet<>(ALLOWED_IMPORTS));
        }
        return next - 1;
    }

    /** {@code global dev.switchboard.routing.Decision decision}: the one global rules get. */
    private static int checkGlobal(List<Token> tokens, int at, Reporter report) {
        StringBuilder type = new StringBuilder();
        int next = qualifiedName(tokens, at + 1, type);
        String variable = next < tokens.size() && tokens.get(next).kind() == Kind.IDENT ? tokens.get(next).text() : "";
        if (!DECISION_TYPES.contains(type.toString()) || !variable.equals(DECISION_GLOBAL)) {
            report.refuse(tokens.get(at).line(), "'global " + type + " " + variable + "' is not allowed: the only global is 'global "
                    + ROUTING + "Decision decision'");
        }
        return next;
    }

    /** Appends {@code a.b.C} starting at {@code from} to {@code name}; returns the index after it. */
    private static int qualifiedName(List<Token> tokens, int from, StringBuilder name) {
        int i = from;
        if (i < tokens.size() && tokens.get(i).kind() == Kind.IDENT) {
            name.append(tokens.get(i++).text());
            while (i + 1 < tokens.size() && tokens.get(i).is(".") && tokens.get(i + 1).kind() == Kind.IDENT) {
                name.append('.').append(tokens.get(i + 1).text());
                i += 2;
            }
        }
        return i;
    }

    /** {@code new} makes exceptions only ({@code throw new IllegalStateException("...")}), never an anonymous class. */
    private static void checkNew(List<Token> tokens, int at, Reporter report) {
        int line = tokens.get(at).line();
        Token type = at + 1 < tokens.size() ? tokens.get(at + 1) : null;
        if (type == null || type.kind() != Kind.IDENT || !type.text().endsWith("Exception")) {
            report.refuse(line, "'new " + (type == null ? "" : type.text()) + "' is not allowed: 'new' makes only exceptions "
                    + "(throw new IllegalStateException(\"...\")); write values as List.of(...), Map.of(...) or Set.of(...)");
            return;
        }
        int i = at + 2;
        if (i >= tokens.size() || !tokens.get(i).is("(")) {
            report.refuse(line, "'new " + type.text() + "' must be followed by its arguments in (...)");
            return;
        }
        int depth = 0;
        for (; i < tokens.size(); i++) {
            depth += tokens.get(i).is("(") ? 1 : tokens.get(i).is(")") ? -1 : 0;
            if (depth == 0) {
                break;
            }
        }
        if (i + 1 < tokens.size() && tokens.get(i + 1).is("{")) {
            report.refuse(line, "'new " + type.text() + "(...) {' (an anonymous class) " + ENDLESS);
        }
    }

    /**
     * The source as identifiers, symbols and literals, with comments dropped. Refuses what another reader could
     * see differently: unicode escapes (Java decodes them even inside comments), non-ASCII or control characters
     * in code, strings or comments that do not end.
     */
    private static List<Token> tokens(String s, Reporter report) {
        List<Token> out = new ArrayList<>();
        int line = 1;
        int i = 0;
        for (int u = s.indexOf("\\u"); u >= 0; u = s.indexOf("\\u", u + 2)) {
            report.refuse(lineAt(s, u), "'\\u' escapes are not allowed: write the character itself");
        }
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\n') {
                line++;
                i++;
            } else if (c == ' ' || c == '\t' || c == '\r') {
                i++;
            } else if (s.startsWith("//", i)) {
                while (i < s.length() && s.charAt(i) != '\n' && s.charAt(i) != '\r') {
                    i++;
                }
            } else if (s.startsWith("/*", i)) {
                int end = s.indexOf("*/", i + 2);
                if (end < 0) {
                    report.refuse(line, "a /* comment is never closed");
                    return out;
                }
                line += count(s, i, end, '\n');
                i = end + 2;
            } else if (c == '"' || c == '\'') {
                int end = stringEnd(s, i);
                if (end < 0) {
                    report.refuse(line, "a string does not end on its line");
                    return out;
                }
                out.add(new Token(Kind.LITERAL, "", line));
                i = end + 1;
            } else if (Character.isLetter(c) && c < 128 || c == '_' || c == '$') {
                int start = i;
                while (i < s.length() && isAsciiIdentifierPart(s.charAt(i))) {
                    i++;
                }
                out.add(new Token(Kind.IDENT, s.substring(start, i), line));
            } else if (c >= '0' && c <= '9') {
                while (i < s.length() && (isAsciiIdentifierPart(s.charAt(i)) || s.charAt(i) == '.')) {
                    i++;
                }
                out.add(new Token(Kind.LITERAL, "", line));
            } else if (c > ' ' && c < 127) {
                String two = i + 1 < s.length() ? s.substring(i, i + 2) : "";
                String symbol = two.equals("->") || two.equals("::") ? two : String.valueOf(c);
                out.add(new Token(Kind.SYMBOL, symbol, line));
                i += symbol.length();
            } else {
                report.refuse(line, String.format("the character U+%04X is not allowed outside strings and comments", (int) c));
                i++;
            }
        }
        return out;
    }

    /** The index of the quote closing the string opened at {@code start}, or -1 when the line ends first. */
    private static int stringEnd(String s, int start) {
        char quote = s.charAt(start);
        for (int i = start + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r') {
                return -1;
            }
            if (c == '\\') {
                i++;
                if (i < s.length() && (s.charAt(i) == '\n' || s.charAt(i) == '\r')) {
                    return -1;
                }
            } else if (c == quote) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isAsciiIdentifierPart(char c) {
        return c < 128 && (Character.isLetterOrDigit(c) || c == '_' || c == '$');
    }

    private static int count(String s, int from, int to, char c) {
        int n = 0;
        for (int i = from; i < to; i++) {
            n += s.charAt(i) == c ? 1 : 0;
        }
        return n;
    }

    private static int lineAt(String s, int index) {
        return 1 + count(s, 0, index, '\n');
    }
}
