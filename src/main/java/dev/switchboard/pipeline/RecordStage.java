package dev.switchboard.pipeline;

import dev.switchboard.recording.BudgetLedger;
import dev.switchboard.recording.RequestMetrics;
import dev.switchboard.recording.UsageRecord;
import dev.switchboard.recording.UsageWriter;

/** Record: one usage row and the metrics of a finished request, queued off the response path. */
final class RecordStage {
    private final UsageWriter writer;
    private final RequestMetrics metrics;
    private final BudgetLedger ledger;

    RecordStage(UsageWriter writer, RequestMetrics metrics, BudgetLedger ledger) {
        this.writer = writer;
        this.metrics = metrics;
        this.ledger = ledger;
    }

    void finish(RequestContext ctx) {
        if (!ctx.markRecorded()) {
            return;
        }
        UsageRecord row = ctx.toRecord();
        if (ctx.reservation != null) {
            ledger.settle(ctx.reservation, row.costUsd(), ctx.agent.dailyBudgetUsd(), ctx.agent.monthlyBudgetUsd());
        }
        metrics.record(row);
        writer.submit(row);
    }
}
