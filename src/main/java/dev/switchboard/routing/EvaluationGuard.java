package dev.switchboard.routing;

import java.time.Duration;
import org.kie.api.event.rule.AfterMatchFiredEvent;
import org.kie.api.event.rule.BeforeMatchFiredEvent;
import org.kie.api.event.rule.DefaultAgendaEventListener;

/**
 * Watches one evaluation: tells the {@link Decision} which rule acts, remembers the rule firing now (to name it when
 * it throws) and cuts the evaluation off, between two firings, once it has fired too many rules or run too long.
 * A single action cannot run long by itself: {@link RuleSandbox} lets through only straight-line code, so checking
 * between firings is enough (a thread cannot be stopped safely in the middle of an action anyway).
 */
final class EvaluationGuard extends DefaultAgendaEventListener {
    /** A request fires at most this many rules; a cross product of facts in one rule can reach millions. */
    static final int MAX_FIRINGS = 1000;
    /** One evaluation may take this long; far above a healthy one (well under a millisecond). */
    static final Duration DEADLINE = Duration.ofSeconds(1);

    private final Decision decision;
    private final long deadlineNanos = System.nanoTime() + DEADLINE.toNanos();
    private int fired;
    private String firing;

    EvaluationGuard(Decision decision) {
        this.decision = decision;
    }

    @Override
    public void beforeMatchFired(BeforeMatchFiredEvent event) {
        String rule = event.getMatch().getRule().getName();
        if (++fired > MAX_FIRINGS) {
            throw new CutOff(rule, "more than " + MAX_FIRINGS + " rule firings for one request (does a rule join facts with themselves?)");
        }
        if (System.nanoTime() > deadlineNanos) {
            throw new CutOff(rule, "the rules ran longer than " + DEADLINE.toMillis() + " ms for one request");
        }
        firing = rule;
        decision.firing(rule);
    }

    @Override
    public void afterMatchFired(AfterMatchFiredEvent event) {
        firing = null;
    }

    /** The rule whose action was running when the evaluation failed; null when it failed in a condition. */
    String firing() {
        return firing;
    }

    /** Thrown to stop an evaluation that went past a limit. */
    static final class CutOff extends RuntimeException {
        private final String rule;

        CutOff(String rule, String message) {
            super(message, null, false, false);
            this.rule = rule;
        }

        String rule() {
            return rule;
        }
    }
}
