package dev.switchboard.recording;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code switchboard_budget_remaining_usd{agent, budget}}: for each agent with a daily or monthly budget, what is
 * left of it. The agents are the operator's (a bounded set); {@link #refresh} rewrites the whole set, so a
 * deleted agent's series goes away.
 */
public final class BudgetGauges {
    /** How often the gateway refreshes the gauges: well under a Prometheus scrape interval. */
    public static final Duration REFRESH = Duration.ofSeconds(5);

    /** An agent's budgets; 0 means none. */
    public record Budget(String agent, double dailyUsd, double monthlyUsd) {
    }

    private final MultiGauge gauge;
    private final BudgetLedger ledger;
    private final Supplier<Collection<Budget>> budgets;

    public BudgetGauges(MeterRegistry registry, BudgetLedger ledger, Supplier<Collection<Budget>> budgets) {
        this.gauge = MultiGauge.builder(MetricNames.BUDGET_REMAINING).baseUnit("usd").register(registry);
        this.ledger = ledger;
        this.budgets = budgets;
    }

    public void refresh() {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (Budget b : budgets.get()) {
            if (b.dailyUsd() <= 0 && b.monthlyUsd() <= 0) {
                continue; // nothing to show, and shared budgets would cost a query
            }
            BudgetLedger.Spent spent = ledger.spent(b.agent());
            if (b.dailyUsd() > 0) {
                rows.add(MultiGauge.Row.of(Tags.of("agent", b.agent(), "budget", "daily"), b.dailyUsd() - spent.dayUsd()));
            }
            if (b.monthlyUsd() > 0) {
                rows.add(MultiGauge.Row.of(Tags.of("agent", b.agent(), "budget", "monthly"), b.monthlyUsd() - spent.monthUsd()));
            }
        }
        gauge.register(rows, true);
    }
}
