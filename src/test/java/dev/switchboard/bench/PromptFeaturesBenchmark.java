package dev.switchboard.bench;

import dev.switchboard.routing.PromptFeatures;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * How long classifying a 1 MiB prompt takes: both facts, each reading as much as it ever reads (its first and
 * last 32 Ki characters; none of these shapes holds code or math, so no pass stops early). The shapes are the
 * ones that made the old regular expressions quadratic, and prose.
 * Not a test: surefire skips {@code bench}. Run it (about a minute) with
 * <pre>
 * ./mvnw -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
 * java -cp target/test-classes:target/classes:$(cat target/bench.classpath) dev.switchboard.bench.PromptFeaturesBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PromptFeaturesBenchmark {
    private static final int MEBIBYTE = 1 << 20;

    /** Digits; sums that never close ("x1+ x1+ ..."); "def " with no punctuation; lone backticks; brackets; prose. */
    @Param({"1", "x1+ ", "def ", "`` ", "[(", "the quick brown fox "})
    public String shape;

    private String prompt;

    @Setup
    public void build() {
        prompt = shape.repeat(MEBIBYTE / shape.length());
    }

    @Benchmark
    public void classify(Blackhole sink) {
        sink.consume(PromptFeatures.containsCode(prompt));
        sink.consume(PromptFeatures.containsMath(prompt));
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(PromptFeaturesBenchmark.class.getSimpleName()).build()).run();
    }
}
