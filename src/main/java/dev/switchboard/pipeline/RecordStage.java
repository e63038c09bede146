package dev.switchboard.pipeline;

import dev.switchboard.recording.RequestMetrics;
import dev.switchboard.recording.UsageRecord;
import dev.switchboard.recording.UsageWriter;

/** Record: one usage row and the metrics of a finished request, queued off the response path. */
final class RecordStage {
    private final UsageWriter writer;
    private final RequestMetrics metrics;

    RecordStage(UsageWriter writer, RequestMetrics metrics) {
        this.writer = writer;
        this.metrics = metrics;
    }

    void finish(RequestContext ctx) {
        if (!ctx.markRecorded()) {
            return;
        }
        UsageRecord row = ctx.toRecord();
        metrics.record(row);
        writer.submit(row);
    }
}
