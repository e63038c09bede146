package dev.switchboard.admin;

import dev.switchboard.cluster.SharedState;
import dev.switchboard.cluster.SharedState.Topic;
import dev.switchboard.routing.RuleError;
import dev.switchboard.routing.RulesHolder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management plane's side of {@link SharedState}: each write of agents, the catalog, API-added providers and
 * their keys, rules and global settings is announced to the other instances, and their writes are reloaded here through the stores'
 * own load paths. Management tokens need nothing: every call checks its token in the database.
 */
final class SharedChanges {
    private static final Logger LOG = LoggerFactory.getLogger(SharedChanges.class);

    private final SharedState shared;
    private final ProducerTemplate producer;
    private final String jdbc;
    private final RulesHolder rules;
    /** The newest rule_version row this instance has applied or written. */
    private long rulesSeen;
    /** Set while a rule file from another instance is installed here: that install is not announced again. */
    private final ThreadLocal<Boolean> applying = ThreadLocal.withInitial(() -> false);
    /**
     * The text each rule file serves here, as the rules told it: a version this instance serves already is not
     * installed again (its folder may hold a newer edit the watcher has yet to read, which must not be undone).
     */
    private final Map<String, String> serving = new java.util.concurrent.ConcurrentHashMap<>();

    SharedChanges(SharedState shared, ProducerTemplate producer, String dataSourceName, RulesHolder rules) {
        this.shared = shared;
        this.producer = producer;
        this.jdbc = "jdbc:" + dataSourceName;
        this.rules = rules;
    }

    /** Reloads each store when another instance wrote to it. */
    void listen(AgentStore agents, ConfigStore config, ProviderRegistrar providers, dev.switchboard.settings.GlobalSettings settings) {
        shared.onChange(Topic.AGENTS, agents::load);
        shared.onChange(Topic.CATALOG, config::refresh);
        shared.onChange(Topic.PROVIDERS, providers::refresh);
        shared.onChange(Topic.RULES, this::applyRules);
        shared.onChange(Topic.SETTINGS, settings::load);
    }

    void changed(Topic topic) {
        shared.bump(topic);
    }

    /**
     * At start, when other instances are serving, their rules win over this instance's folder (it may be an older copy):
     * every file whose latest version differs is installed. A lone instance keeps its folder, whose edits made while it
     * was down become versions as before.
     */
    void start() {
        if (shared.liveInstances() > 1) {
            applyRules();
        } else {
            rulesSeen = latestRuleVersion();
        }
    }

    /** Announces each rule change this instance made (API or its folder) after the history has it. */
    RulesHolder.ChangeListener announcing(RulesHolder.ChangeListener history) {
        return new RulesHolder.ChangeListener() {
            @Override
            public void changed(String file, String text, boolean restorable, String author, String comment) {
                if (text == null) {
                    serving.remove(file);
                } else {
                    serving.put(file, text);
                }
                history.changed(file, text, restorable, author, comment);
                if (!applying.get()) {
                    shared.bump(Topic.RULES);
                }
            }

            @Override
            public void refused(String author, List<RuleError> errors) {
                history.refused(author, errors);
            }
        };
    }

    /** Installs the latest version of each rule file changed since the last look, when it differs from the file here. */
    private synchronized void applyRules() {
        Map<String, Map<?, ?>> latest = new LinkedHashMap<>();
        long newest = rulesSeen;
        for (Object o : producer.requestBodyAndHeader(jdbc + "?outputType=SelectList&useHeadersAsParameters=true",
                "SELECT id, file, content, restorable, author, comment FROM rule_version WHERE id > :?seen ORDER BY id", "seen", rulesSeen, List.class)) {
            Map<?, ?> row = (Map<?, ?>) o;
            latest.put(Rows.text(row, "file"), row);
            newest = Math.max(newest, ((Number) Rows.value(row, "id")).longValue());
        }
        applying.set(true);
        try {
            latest.forEach((file, row) -> apply(file, row));
        } finally {
            applying.set(false);
        }
        rulesSeen = newest;
    }

    private void apply(String file, Map<?, ?> row) {
        if (!Boolean.TRUE.equals(Rows.value(row, "restorable"))) {
            return; // a workbook (or a removal): its generated text cannot be written back as the file
        }
        String content = Rows.text(row, "content");
        String here = serving.containsKey(file) ? serving.get(file) : rules.read(file).orElse(null);
        if (Objects.equals(here, content)) {
            return;
        }
        List<RuleError> errors = rules.replace(file, content, Rows.text(row, "author"), Rows.text(row, "comment"));
        if (errors.isEmpty()) {
            LOG.info("Rules: {} as changed on another instance serving here", file);
        } else {
            LOG.error("Rules: {} as changed on another instance does not compile here, keeping ours: {}", file, errors.get(0));
        }
    }

    private long latestRuleVersion() {
        List<?> rows = producer.requestBody(jdbc + "?outputType=SelectList", "SELECT MAX(id) AS v FROM rule_version", List.class);
        Object v = rows.isEmpty() ? null : Rows.value((Map<?, ?>) rows.get(0), "v");
        return v == null ? 0 : ((Number) v).longValue();
    }
}
