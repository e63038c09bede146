package dev.switchboard.pipeline;

import dev.switchboard.api.ChatResponse;
import dev.switchboard.quality.AnsweredRequest;
import dev.switchboard.quality.QualityEvaluation;
import dev.switchboard.recording.BudgetLedger;
import dev.switchboard.recording.RequestMetrics;
import dev.switchboard.recording.UsageRecord;
import dev.switchboard.recording.UsageWriter;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Record: one usage row and the metrics of a finished request, and the quality checks of its answer, all queued off
 * the response path.
 */
final class RecordStage {
    static final String CUT_BY_SHUTDOWN = "cut by the gateway's shutdown at the end of its grace period";

    private final UsageWriter writer;
    private final RequestMetrics metrics;
    private final BudgetLedger ledger;
    private final QualityEvaluation quality;
    /** Streams being relayed: their exchange may be over, their row is not written yet. */
    private final Set<RequestContext> relaying = ConcurrentHashMap.newKeySet();

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

    /** A stream starts being relayed; {@link #finish} ends it. */
    void relaying(RequestContext ctx) {
        relaying.add(ctx);
    }

    void finish(RequestContext ctx) {
        relaying.remove(ctx);
        if (!ctx.markRecorded()) {
            return;
        }
        write(ctx);
    }

    /**
     * Records now, as truncated, a request the shutdown will not wait for any longer. Its own thread may still
     * be running it: whichever marks the request first writes the one row, the other writes nothing; the
     * row holds what the request had counted so far (tokens relayed, attempts). A request that had not
     * answered yet is recorded as 503; a stream keeps the status its caller saw.
     */
    boolean cut(RequestContext ctx, boolean answered) {
        relaying.remove(ctx);
        if (!ctx.markRecorded()) {
            return false;
        }
        if (!answered) {
            ctx.status = 503;
        }
        ctx.outcome = "truncated";
        ctx.error = CUT_BY_SHUTDOWN;
        write(ctx);
        return true;
    }

    /** Cuts every stream still being relayed; the count of rows written. */
    int cutRelaying() {
        int cut = 0;
        for (RequestContext ctx : relaying) {
            cut += cut(ctx, true) ? 1 : 0;
        }
        return cut;
    }

    private void write(RequestContext ctx) {
        UsageRecord row = ctx.toRecord();
        if (ctx.reservation != null) {
            ledger.settle(ctx.reservation, row.costUsd(), ctx.agent.dailyBudgetUsd(), ctx.agent.monthlyBudgetUsd());
        }
        metrics.record(row);
        writer.submit(row);
        checkAnswer(ctx);
    }

    /**
     * A chat answer that reached the caller whole is checked, a cache hit too (callers got it under the model's name);
     * a stream too long to keep is recorded as not checked.
     */
    private void checkAnswer(RequestContext ctx) {
        boolean whole = "ok".equals(ctx.outcome) || "cache_hit".equals(ctx.outcome);
        if (!"chat".equals(ctx.operation) || ctx.status != 200 || !whole || ctx.request == null || !ctx.stream && ctx.answer == null) {
            return;
        }
        // A relayed stream is in its transcript; a whole answer, or a replayed one from the cache, is kept as it is.
        ChatResponse answer = ctx.answer != null ? ctx.answer : ctx.transcript.response(ctx.usage);
        quality.answered(new AnsweredRequest(ctx.requestId, ctx.createdAt, ctx.agent == null ? null : ctx.agent.id(), ctx.caller,
                ctx.servedModelName, ctx.taskType, ctx.request, answer));
    }
}
