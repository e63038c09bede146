package dev.switchboard.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The nearest-rank percentile the advisor reads answer lengths with, from (value, count) pairs in ascending order. */
class PercentileTest {
    @Test
    void should_take_the_value_at_rank_ceil_of_q() {
        assertEquals(-1, Advisor.nearestRank(List.of(), 0.95));
        assertEquals(40, Advisor.nearestRank(List.<long[]>of(new long[] {40, 1}), 0.95));
        assertEquals(10, Advisor.nearestRank(List.of(new long[] {10, 19}, new long[] {100, 1}), 0.95), "rank 19 of 20 is still 10");
        assertEquals(100, Advisor.nearestRank(List.of(new long[] {10, 18}, new long[] {100, 2}), 0.95), "rank 19 of 20 is 100");
        assertEquals(100, Advisor.nearestRank(List.of(new long[] {10, 98}, new long[] {100, 2}), 0.99), "rank 99 of 100 is 100");
    }
}
