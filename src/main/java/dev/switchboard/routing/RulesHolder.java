package dev.switchboard.routing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.kie.api.KieBase;
import org.kie.api.KieServices;
import org.kie.api.builder.KieBuilder;
import org.kie.api.builder.KieFileSystem;
import org.kie.api.builder.Message;
import org.kie.api.builder.ReleaseId;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.StatelessKieSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compiled rules of {@code rules/}. A new generation is built off the request path and swapped in
 * atomically only when every file compiles; otherwise the errors are kept (file:line) and the previous
 * generation keeps serving. Evaluation uses a stateless session on the current KieBase: no compilation per
 * request.
 */
public final class RulesHolder {
    private static final Logger LOG = LoggerFactory.getLogger(RulesHolder.class);
    private static final String KIE_PATH = "src/main/resources/rules/";

    private final Path folder;
    private final AtomicReference<Generation> current = new AtomicReference<>();
    private volatile List<RuleError> lastErrors = List.of();
    private final RuleFailures failures = new RuleFailures();
    private volatile Instant lastAttempt;
    private volatile String fingerprint = "";
    private int builds;
    private volatile java.util.function.Supplier<List<ModelStats>> modelStats = List::of;
    /** The extra check of each new or changed file (the catalog names it spells out); none until wired. */
    private volatile BiFunction<String, String, List<RuleError>> literalCheck = (file, text) -> List.of();

    public RulesHolder(Path folder) {
        this.folder = folder;
    }

    /**
     * One compiled set of rules; {@code usesProviderStatus} and {@code usesModelStats} say whether any rule matches
     * provider health or model statistics; {@code drl} is the DRL text of each file by name (for a decision table, the
     * DRL generated from it).
     */
    public record Generation(int number, KieBase kieBase, List<String> files, Instant builtAt, boolean usesProviderStatus,
                             boolean usesModelStats, Map<String, String> drl) {
    }

    /** Where the {@link ModelStats} facts come from: a snapshot computed off the request path. */
    public void modelStats(java.util.function.Supplier<List<ModelStats>> source) {
        this.modelStats = source;
    }

    /**
     * Adds a check to every new or changed file before it compiles ({@link RuleTargets}: the models and chains it
     * names exist). Files that serve unchanged are not refused for it: the catalog may have lost a model since, and
     * that is handled per request ({@link RuleTargets#unusable}); at the first load the findings are logged and the
     * rules serve, so a gateway never starts without rules for it.
     */
    public void checkLiterals(BiFunction<String, String, List<RuleError>> check) {
        this.literalCheck = check;
    }

    /** Evaluates the current rules for one request. */
    public Decision decide(LlmRequest request) {
        return decide(request, java.util.List::of);
    }

    /** Evaluates the rules about a failed attempt (the chain's custom retry condition). */
    public Decision decideOnFailure(FailedAttempt failure) {
        return decide(java.util.List.of(failure));
    }

    /** Evaluates the current rules for one request, with facts about the providers beside it. */
    public Decision decide(LlmRequest request, java.util.function.Supplier<java.util.List<ProviderStatus>> providerStatuses) {
        return decide(request, providerStatuses, java.util.Set.of());
    }

    /** As {@link #decide(LlmRequest, java.util.function.Supplier)}, as if the {@code skipped} rules did not exist. */
    public Decision decide(LlmRequest request, java.util.function.Supplier<java.util.List<ProviderStatus>> providerStatuses,
                           java.util.Set<String> skipped) {
        Generation generation = current.get();
        java.util.List<ProviderStatus> providers = generation != null && generation.usesProviderStatus()
                ? providerStatuses.get() : java.util.List.of();
        List<ModelStats> stats = generation != null && generation.usesModelStats() ? modelStats.get() : List.of();
        java.util.List<Object> facts = new java.util.ArrayList<>(providers.size() + stats.size() + 1);
        facts.add(request);
        facts.addAll(providers);
        facts.addAll(stats);
        return decide(facts, skipped);
    }

    /** Counts a rule as failed for a request (its decision could not be served), as if it had thrown. */
    public void reportFailure(String rule, String why) {
        failures.record(rule, why);
    }

    private Decision decide(java.util.List<?> facts) {
        return decide(facts, java.util.Set.of());
    }

    /**
     * A rule that throws or goes past the {@link EvaluationGuard}'s limits is cut off and counted, and the request
     * goes on as if no rule had matched: one broken rule must not fail every request.
     */
    private Decision decide(java.util.List<?> facts, java.util.Set<String> skipped) {
        Decision decision = new Decision();
        Generation generation = current.get();
        if (generation == null) {
            return decision;
        }
        EvaluationGuard guard = new EvaluationGuard(decision);
        try {
            fire(generation.kieBase(), facts, decision, guard, skipped);
            return decision;
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError | LinkageError e) {
            // An OutOfMemoryError here is the action's own (a string grown past Java's limit in three lines): what it
            // held is garbage once the evaluation is dropped, so it fails that rule, not the request.
            failures.record(blame(guard, e), describe(e));
            return new Decision();
        }
    }

    /** A stateless session, unless rules are skipped: only a stateful one takes an agenda filter. */
    private static void fire(KieBase kieBase, java.util.List<?> facts, Decision decision, EvaluationGuard guard,
                             java.util.Set<String> skipped) {
        if (skipped.isEmpty()) {
            StatelessKieSession session = kieBase.newStatelessKieSession();
            session.setGlobal("decision", decision);
            session.addEventListener(guard);
            session.execute((Iterable<?>) facts); // each element a fact (execute(Object) would insert the list itself)
            return;
        }
        KieSession session = kieBase.newKieSession();
        try {
            session.setGlobal("decision", decision);
            session.addEventListener(guard);
            facts.forEach(session::insert);
            session.fireAllRules(match -> !skipped.contains(match.getRule().getName()));
        } finally {
            session.dispose();
        }
    }

    /** The rule that failed: the one cut off or acting when it threw, else the one Drools names (a condition failed). */
    private static String blame(EvaluationGuard guard, Throwable e) {
        if (rootCause(e) instanceof EvaluationGuard.CutOff cut) {
            return cut.rule();
        }
        if (guard.firing() != null) {
            return guard.firing();
        }
        java.util.regex.Matcher named = RULE_IN_MESSAGE.matcher(String.valueOf(e.getMessage()));
        return named.find() ? named.group(1) : "(a rule's conditions)";
    }

    /** A rule file's name, as written and read through the API: a plain name in the rules folder, ending in .drl. */
    private static final java.util.regex.Pattern RULE_FILE_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,100}\\.drl(\\.csv)?");
    /** How Drools names the rule of a failing condition: {@code ... in [Rule "name" in file]}. */
    private static final java.util.regex.Pattern RULE_IN_MESSAGE = java.util.regex.Pattern.compile("[Rr]ule \"([^\"]+)\"");

    private static String describe(Throwable e) {
        Throwable root = rootCause(e);
        return root instanceof EvaluationGuard.CutOff ? "cut off: " + root.getMessage()
                : root.getClass().getName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    /** The innermost cause: the rule's own exception, or the guard's cut-off (Drools wraps both). */
    private static Throwable rootCause(Throwable e) {
        Throwable root = e;
        for (int depth = 0; depth < MAX_CAUSES && root.getCause() != null; depth++) {
            root = root.getCause();
        }
        return root;
    }

    /** Causes followed at most (a cycle of causes must not hang the request). */
    private static final int MAX_CAUSES = 32;

    /** Rules that failed while evaluating requests since the serving generation was installed. */
    public java.util.List<RuleFailures.Failure> failures() {
        return failures.list();
    }

    /** Rebuilds when the folder changed since the last build; returns true when a new generation is serving. */
    public synchronized boolean reloadIfChanged() {
        String now = fingerprint();
        if (now.equals(fingerprint)) {
            return false;
        }
        fingerprint = now;
        return reload();
    }

    /** Compiles every rule file; swaps the new KieBase in only when there is no error. */
    public synchronized boolean reload() {
        lastAttempt = Instant.now();
        fingerprint = fingerprint();
        Map<String, byte[]> sources = readSources();
        Compiled compiled = compile(sources);
        if (!compiled.errors().isEmpty()) {
            lastErrors = compiled.errors();
            Generation serving = current.get();
            compiled.errors().forEach(e -> LOG.error("Rules refused: {}", e));
            LOG.error("Rules: kept generation {} serving; fix the file(s) above and save again",
                    serving == null ? "none" : serving.number());
            tell(() -> changes.refused(ON_DISK, compiled.errors()));
            return false;
        }
        install(compiled, sources, ON_DISK, null);
        return true;
    }

    /** Who changed a file that was saved straight into the folder (not through the API). */
    public static final String ON_DISK = "file on disk";

    /** Hears every change that made it into the serving rules, and every refused change of the folder. */
    public interface ChangeListener {
        /**
         * One file as now serving, with who changed it and why: {@code text} is its text (a workbook's generated DRL,
         * {@code restorable} false), null when the file was removed.
         */
        void changed(String file, String text, boolean restorable, String author, String comment);

        /** A change of the folder that did not compile and is not serving. */
        default void refused(String author, List<RuleError> errors) {
        }
    }

    private volatile ChangeListener changes = (file, text, restorable, author, comment) -> { };

    /**
     * Reports changes from now on, starting with every file serving now: the listener skips what it already has, so
     * what was edited while the gateway was down becomes a change "on disk".
     */
    public synchronized void onChange(ChangeListener listener) {
        this.changes = listener;
        Generation serving = current.get();
        if (serving != null) {
            installedSources.keySet().forEach(file -> tell(file, serving, ON_DISK, "serving when the gateway started"));
        }
    }

    private void tell(String file, Generation serving, String author, String comment) {
        boolean text = !file.endsWith(DecisionTables.XLSX);
        String content = text ? new String(installedSources.get(file), java.nio.charset.StandardCharsets.UTF_8) : serving.drl().get(file);
        tell(() -> changes.changed(file, content, text, author, comment));
    }

    /** A listener that fails (its database away) loses that record, never the reload: the new rules serve regardless. */
    private static void tell(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.warn("Rules: a change was not recorded ({}): {}", e.getClass().getSimpleName(), e.getMessage());
        }
    }

    /** The bytes of each file of the serving generation: what a change is told against. */
    private Map<String, byte[]> installedSources = Map.of();

    private Map<String, byte[]> readSources() {
        Map<String, byte[]> sources = new TreeMap<>();
        for (Path file : ruleFiles()) {
            try {
                sources.put(file.getFileName().toString(), Files.readAllBytes(file));
            } catch (IOException e) {
                // deleted between list and read: the next poll settles it
            }
        }
        return sources;
    }

    /**
     * Replaces (or adds) one rule file, but only if the whole set still compiles: a broken file is refused
     * with its file:line errors and not written, and the serving rules stay as they are.
     */
    public synchronized List<RuleError> replace(String fileName, String content, String author, String comment) {
        if (!fileName.matches(FILE_NAME)) {
            return List.of(new RuleError(fileName, 0, FILE_NAME_RULE));
        }
        Map<String, byte[]> sources = sourcesWith(fileName, content);
        Compiled compiled = compile(sources);
        if (!compiled.errors().isEmpty()) {
            return compiled.errors();
        }
        try {
            Files.createDirectories(folder);
            Path tmp = Files.createTempFile(folder, "." + fileName, ".tmp");
            Files.writeString(tmp, content);
            Files.move(tmp, folder.resolve(fileName), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            return List.of(new RuleError(folder.resolve(fileName).toString(), 0, "cannot write the file: " + e.getMessage()));
        }
        install(compiled, sources, author, comment);
        fingerprint = fingerprint(); // the watcher must not rebuild what was just installed
        return List.of();
    }

    private static final String FILE_NAME = "[A-Za-z0-9][A-Za-z0-9_.-]{0,100}\\.drl(\\.csv)?";
    private static final String FILE_NAME_RULE = "a rule file name is letters, digits, '-', '_' or '.' and ends in .drl (or .drl.csv)";

    /** The files on disk with one replaced (or added). */
    private Map<String, byte[]> sourcesWith(String fileName, String content) {
        Map<String, byte[]> sources = readSources();
        sources.put(fileName, content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return sources;
    }

    /** A draft: the rules as they would be with one file replaced, or why they would not compile. */
    public record Candidate(RulesHolder rules, List<RuleError> errors) {
    }

    /**
     * Compiles the files on disk with one replaced by a draft, through the same checks as a save, into rules of
     * their own that are never installed here nor written: to try a change before making it.
     */
    public synchronized Candidate candidate(String fileName, String content) {
        if (!fileName.matches(FILE_NAME)) {
            return new Candidate(null, List.of(new RuleError(fileName, 0, FILE_NAME_RULE)));
        }
        Map<String, byte[]> sources = sourcesWith(fileName, content);
        Compiled compiled = compile(sources);
        if (!compiled.errors().isEmpty()) {
            return new Candidate(null, compiled.errors());
        }
        RulesHolder draft = new RulesHolder(folder);
        draft.modelStats = modelStats; // a draft sees the same facts as the live rules
        draft.current.set(nextGeneration(compiled, sources)); // the generation it would be
        return new Candidate(draft, List.of());
    }

    /** The text of one rule file, if it exists. */
    public java.util.Optional<String> read(String fileName) {
        if (!RULE_FILE_NAME.matcher(fileName).matches()) {
            return java.util.Optional.empty(); // never a path: no NUL, no folder of its own, nothing outside the rules
        }
        Path file = folder.resolve(fileName).normalize();
        if (!file.getParent().equals(folder.normalize()) || !Files.isRegularFile(file)) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(Files.readString(file));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    private record Compiled(KieBase kieBase, List<RuleError> errors, Map<String, String> drl) {
    }

    /**
     * Compiles DRL files and decision tables together. A table is turned into DRL first, so it passes the same
     * sandbox check as a hand-written file and cannot smuggle code in a cell; its errors are told by sheet and cell.
     */
    private Compiled compile(Map<String, byte[]> sources) {
        Map<String, String> drl = new TreeMap<>();
        Map<String, DecisionTables.Generated> tables = new java.util.HashMap<>();
        List<RuleError> refused = new ArrayList<>();
        sources.forEach((name, bytes) -> {
            String path = displayPath(KIE_PATH + name);
            if (!DecisionTables.isTable(name)) {
                String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
                drl.put(name, text);
                refused.addAll(RuleSandbox.check(path, text));
                return;
            }
            DecisionTables.Generated table = DecisionTables.toDrl(path, bytes);
            refused.addAll(table.errors());
            if (table.drl() != null) {
                tables.put(name, table);
                drl.put(name, table.drl());
                RuleSandbox.check(path, table.drl()).forEach(e -> refused.add(DecisionTables.locate(e, 0, table)));
            }
        });
        if (refused.isEmpty()) {
            refused.addAll(unknownTargets(sources, drl, tables));
        }
        if (!refused.isEmpty()) {
            return new Compiled(null, List.copyOf(refused), drl); // a refused file never reaches Drools
        }
        KieServices ks = KieServices.Factory.get();
        ReleaseId releaseId = ks.newReleaseId("dev.switchboard", "rules", "1.0." + (++builds) + "-" + System.nanoTime());
        List<RuleError> errors = new ArrayList<>();
        KieBase kieBase = null;
        try {
            KieFileSystem kfs = ks.newKieFileSystem();
            kfs.generateAndWritePomXML(releaseId);
            kfs.writeKModuleXML("""
                    <kmodule xmlns="http://www.drools.org/xsd/kmodule">
                      <kbase name="routing" packages="rules" default="true">
                        <ksession name="decide" type="stateless" default="true"/>
                      </kbase>
                    </kmodule>""");
            // A table goes in as its generated DRL (name.drl.csv.drl): one compiler, one sandbox, errors mapped back.
            drl.forEach((name, text) -> kfs.write(KIE_PATH + name + (tables.containsKey(name) ? GENERATED : ""), text));
            KieBuilder builder = ks.newKieBuilder(kfs).buildAll();
            for (Message m : builder.getResults().getMessages(Message.Level.ERROR)) {
                String name = sourceName(m.getPath());
                RuleError error = new RuleError(displayPath(name), m.getLine(), m.getText().strip());
                DecisionTables.Generated table = name == null ? null : tables.get(name);
                errors.add(table == null ? error : DecisionTables.locate(error, m.getColumn(), table));
            }
            // A syntax error also yields "Parser returned a null Package" for the same file: noise once the real error is listed.
            if (errors.size() > 1) {
                errors.removeIf(e -> e.message().startsWith("Parser returned a null Package"));
            }
            if (errors.isEmpty()) {
                kieBase = ks.newKieContainer(releaseId).getKieBase();
            }
        } catch (RuntimeException e) {
            // A broken module can crash the builder instead of reporting a message (stack.md); keep serving.
            errors.add(new RuleError(folder.toString(), 0, "rule build failed: " + e));
        } finally {
            ks.getRepository().removeKieModule(releaseId);
        }
        return new Compiled(kieBase, List.copyOf(errors), Map.copyOf(drl));
    }

    /**
     * What the literal check finds in new or changed files (a table by its generated DRL, told by sheet and cell); at
     * the first load it is only logged (see checkLiterals).
     */
    private List<RuleError> unknownTargets(Map<String, byte[]> sources, Map<String, String> drl,
                                           Map<String, DecisionTables.Generated> tables) {
        List<RuleError> found = new ArrayList<>();
        drl.forEach((name, text) -> {
            if (!java.util.Arrays.equals(sources.get(name), installedSources.get(name))) {
                DecisionTables.Generated table = tables.get(name);
                literalCheck.apply(displayPath(KIE_PATH + name), text)
                        .forEach(e -> found.add(table == null ? e : DecisionTables.locate(e, 0, table)));
            }
        });
        if (current.get() == null) {
            found.forEach(e -> LOG.warn("Rules: {}; requests this rule matches are routed as if it had not matched", e));
            return List.of();
        }
        return found;
    }

    /** The suffix of a decision table's generated DRL in the KieFileSystem. */
    private static final String GENERATED = ".drl";

    /** The rule file a KIE path names: a table's generated DRL is told as the table. */
    static String sourceName(String kiePath) {
        if (kiePath == null) {
            return null;
        }
        String name = Path.of(kiePath).getFileName().toString();
        String stripped = name.endsWith(GENERATED) ? name.substring(0, name.length() - GENERATED.length()) : name;
        return DecisionTables.isTable(stripped) ? stripped : name;
    }

    private void install(Compiled compiled, Map<String, byte[]> sources, String author, String comment) {
        Generation next = nextGeneration(compiled, sources);
        current.set(next);
        failures.clear();
        lastErrors = List.of();
        LOG.info("Rules: generation {} serving {} file(s) from {}", next.number(), next.files().size(), folder);
        tellChanges(next, Map.copyOf(sources), author, comment);
    }

    /** The generation these compiled sources make: installed, or a draft's (never installed). */
    private Generation nextGeneration(Compiled compiled, Map<String, byte[]> sources) {
        List<String> names = sources.keySet().stream().map(f -> displayPath(KIE_PATH + f)).toList();
        // Provider health and model statistics facts are built and inserted per request only when some rule can match them.
        boolean usesStatus = mentions(compiled, "ProviderStatus");
        boolean usesStats = mentions(compiled, "ModelStats");
        Generation previous = current.get();
        return new Generation(previous == null ? 1 : previous.number() + 1, compiled.kieBase(), names, Instant.now(),
                usesStatus, usesStats, compiled.drl());
    }

    /** Tells the listener each file that is new, different or gone since the previous generation. */
    private void tellChanges(Generation serving, Map<String, byte[]> sources, String author, String comment) {
        Map<String, byte[]> before = installedSources;
        installedSources = sources;
        sources.forEach((file, bytes) -> {
            if (!java.util.Arrays.equals(bytes, before.get(file))) {
                tell(file, serving, author, comment);
            }
        });
        before.keySet().stream().filter(file -> !sources.containsKey(file))
                .forEach(file -> tell(() -> changes.changed(file, null, !file.endsWith(DecisionTables.XLSX), author, comment)));
    }

    private static boolean mentions(Compiled compiled, String name) {
        return compiled.drl().values().stream().anyMatch(text -> text.contains(name));
    }

    public Generation generation() {
        return current.get();
    }

    /** The serving rules as data (empty before the first generation); worked out once per generation. */
    public List<RuleOutline> outline() {
        Generation serving = current.get();
        if (serving == null) {
            return List.of();
        }
        Outlined known = outlined;
        if (known == null || known.generation() != serving) {
            known = new Outlined(serving, RuleOutline.of(serving, name -> name == null ? folder.toString() : displayPath(KIE_PATH + name)));
            outlined = known;
        }
        return known.rules();
    }

    private record Outlined(Generation generation, List<RuleOutline> rules) {
    }

    private volatile Outlined outlined;

    /** Enables or disables one rule of a DRL file ({@code enabled false}): an edit with a version like any other. */
    public List<RuleError> setEnabled(String fileName, String rule, boolean enabled, String author, String comment) {
        return setAttribute(fileName, rule, RuleOutline.ENABLED, Boolean.toString(enabled), author, comment);
    }

    /** Sets one rule's priority (salience) in its DRL file: an edit with a version like any other. */
    public List<RuleError> setSalience(String fileName, String rule, int salience, String author, String comment) {
        return setAttribute(fileName, rule, RuleOutline.SALIENCE, Integer.toString(salience), author, comment);
    }

    /**
     * Sets one attribute of one rule of a DRL file, as an edit of the file that is compiled, versioned and audited
     * like any other. A decision table's rules are changed in the table.
     */
    private synchronized List<RuleError> setAttribute(String fileName, String rule, String attribute, String value, String author, String comment) {
        if (DecisionTables.isTable(fileName)) {
            return List.of(new RuleError(fileName, 0, "a decision table's rules are changed in the table: edit its row"));
        }
        java.util.Optional<String> edited = read(fileName).flatMap(drl -> RuleOutline.withAttribute(drl, rule, attribute, value));
        if (edited.isEmpty()) {
            return List.of(new RuleError(fileName, 0, "no rule \"" + rule + "\" in " + fileName + "; GET /admin/api/rules lists them"));
        }
        return replace(fileName, edited.get(), author, comment);
    }

    public List<RuleError> lastErrors() {
        return lastErrors;
    }

    public Instant lastAttempt() {
        return lastAttempt;
    }

    public Path folder() {
        return folder;
    }

    private List<Path> ruleFiles() {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> isRuleFile(p.getFileName().toString()) && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list rules folder " + folder + ": " + e.getMessage(), e);
        }
    }

    private static boolean isRuleFile(String name) {
        return name.endsWith(".drl") || DecisionTables.isTable(name);
    }

    private String fingerprint() {
        StringBuilder sb = new StringBuilder();
        for (Path p : ruleFiles()) {
            try {
                // Content, not mtime: two saves within the clock's granularity must still be seen.
                sb.append(p.getFileName()).append(':').append(java.util.Arrays.hashCode(Files.readAllBytes(p))).append(';');
            } catch (IOException e) {
                sb.append(p.getFileName()).append(":gone;"); // deleted between list and stat: the next poll settles it
            }
        }
        return sb.toString();
    }

    private String displayPath(String kiePath) {
        if (kiePath == null) {
            return folder.toString();
        }
        // Drools names a file by its KIE path, with or without src/main/resources/; rule files sit directly in the folder.
        return folder.resolve(Path.of(kiePath).getFileName().toString()).toString();
    }
}
