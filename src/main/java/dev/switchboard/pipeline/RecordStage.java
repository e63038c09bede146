package dev.switchboard.pipeline;

import dev.switchboard.api.ChatResponse;
import dev.switchboard.quality.AnsweredRequest;
import dev.switchboard.quality.QualityEvaluation;
import dev.switchboard.recording.BudgetLedger;
import dev.switchboard.recording.RequestMetrics;
import dev.switchboard.recording.UsageRecord;
import dev.switchboard.recording.UsageWriter;

/**
 * Record: one usage row and the metrics of a finished request, and the quality checks of its answer, all queued off
 * the response path.
 */
final class RecordStage {
    private final UsageWriter writer;
    private final RequestMetrics metrics;
    private final BudgetLedger ledger;
    private final QualityEvaluation quality;

    RecordStage(UsageWriter writer, RequestMetrics metrics, BudgetLedger ledger, QualityEvaluation quality) {
        this.writer = writer;
        this.metrics = metrics;
        this.ledger = ledger;
        this.quality = quality;
    }

    /** An answer is going out: its agent may rate it from now on. */
    void answering(RequestContext ctx) {
        quality.answering(ctx.requestId, ctx.agent == null ? null : ctx.agent.id());
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
        checkAnswer(ctx);
    }

    /** A chat answer that reached the caller whole is checked; a stream too long to keep is recorded as not checked. */
    private void checkAnswer(RequestContext ctx) {
        if (!"chat".equals(ctx.operation) || ctx.status != 200 || !"ok".equals(ctx.outcome) || ctx.request == null
                || !ctx.stream && ctx.answer == null) {
            return;
        }
        ChatResponse answer = ctx.stream ? ctx.transcript.response(ctx.usage) : ctx.answer;
        quality.answered(new AnsweredRequest(ctx.requestId, ctx.createdAt, ctx.agent == null ? null : ctx.agent.id(), ctx.caller,
                ctx.servedModelName, ctx.taskType, ctx.request, answer));
    }
}
