package dev.switchboard.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The nearest-rank 95th percentile the quality scores report, from (latency, count) pairs in ascending order. */
class PercentileTest {
    @Test
    void should_take_the_value_at_rank_ceil_of_95_percent() {
        assertEquals(-1, QualityScores.percentile(List.of()));
        assertEquals(40, QualityScores.percentile(List.<long[]>of(new long[] {40, 1})));
        assertEquals(10, QualityScores.percentile(List.of(new long[] {10, 19}, new long[] {100, 1})), "rank 19 of 20 is still 10");
        assertEquals(100, QualityScores.percentile(List.of(new long[] {10, 18}, new long[] {100, 2})), "rank 19 of 20 is 100");
    }
}
